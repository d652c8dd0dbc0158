#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh KERNEL INITRD JOB OUTDIR - boot the guest, run a job, judge it.
#
# The guest console is shown on stdout; the job's own output (TAP for the
# selftests) is written to OUTDIR/JOB.out through a second serial port.
# Exits 0 only if the guest finished and the job reported status 0.
#
# Environment: ACCEL=tcg (default) or kvm, VM_TIMEOUT seconds (default
# 600), VM_MEM MiB (default 1024), VM_CPUS (default 2), VM_APPEND (extra
# kernel command line), VM_QUIET=1 to send the console to OUTDIR/console.log
# instead of stdout.
#
# TCG runs in one host thread (thread=single): with QEMU 7.2's multi-threaded
# TCG a vCPU sometimes stops answering IPIs during kernel text patching
# (seen as soft lockups in text_poke_bp when trace events are toggled).
set -eu

kernel=$1
initrd=$2
job=$3
outdir=$4

accel=${ACCEL:-tcg}
case $accel in
tcg) accel_opt="tcg,thread=${TCG_THREAD:-single}" ;;
*) accel_opt=$accel ;;
esac
timeout=${VM_TIMEOUT:-600}
mem=${VM_MEM:-1024}
cpus=${VM_CPUS:-2}
out="$outdir/$job.out"

if [ ! -r "$kernel" ]; then
	echo "run-vm: cannot read the guest kernel $kernel" >&2
	exit 1
fi
mkdir -p "$outdir"
rm -f "$out"

cpu_opt=""
console=stdio
[ "${VM_QUIET:-0}" = 1 ] && console="file:$outdir/console.log"
[ "$accel" = kvm ] && cpu_opt="-cpu host"

qemu_status=0
# shellcheck disable=SC2086
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-accel "$accel_opt" $cpu_opt -m "$mem" -smp "$cpus" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic tcpfsm.job=$job ${VM_APPEND:-}" \
	-display none -monitor none -no-reboot \
	-serial "$console" -serial "file:$out" </dev/null || qemu_status=$?

if [ ! -s "$out" ]; then
	echo "run-vm: the guest produced no output (qemu exit $qemu_status)" >&2
	exit 1
fi
last=$(tail -n 1 "$out" | tr -d '\r')
case $last in
"TCPFSM-VM-EXIT 0")
	echo "run-vm: job $job passed ($out)"
	exit 0
	;;
"TCPFSM-VM-EXIT "*)
	echo "run-vm: job $job failed: ${last#TCPFSM-VM-EXIT }; failed tests:" >&2
	grep -a '^not ok\|^# *FAIL\|# tcpfsm:.*exited with [1-9]' "$out" >&2 || true
	exit 1
	;;
*)
	echo "run-vm: the guest did not finish job $job (timeout ${timeout}s or crash)" >&2
	exit 1
	;;
esac
