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
# 600), VM_BOOT_TIMEOUT seconds until /init must have started (default
# 180), VM_BOOT_TRIES (default 3), VM_MEM MiB (default 1024), VM_CPUS
# (default 2), VM_CPU (the TCG CPU model, default qemu64,-cx16), VM_APPEND
# (extra kernel command line), VM_QUIET=1 to send the console to
# OUTDIR/console.log instead of stdout.
#
# TCG runs in one host thread (thread=single): with QEMU 7.2's multi-threaded
# TCG a vCPU sometimes stops answering IPIs during kernel text patching
# (seen as soft lockups in text_poke_bp when trace events are toggled).
#
# The CPU model has no CMPXCHG16B: QEMU 7.2's TCG leaves garbage in EFLAGS
# after that instruction, and 6.12 guests die in SLUB's per-CPU fast path
# (a double fault, or a stray trap flag) with or without tcpfsm; without
# CX16 SLUB takes its other path.  docs/internals.md has the measurements.
#
# A guest that has not started /init within VM_BOOT_TIMEOUT is killed and
# booted again, and the output says so: nothing of tcpfsm has run by then
# (the module is loaded by the job), so a hang or crash there is the
# emulator's or the kernel's.  Anything after /init starts is never retried.
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
boot_timeout=${VM_BOOT_TIMEOUT:-180}
tries=${VM_BOOT_TRIES:-3}
mem=${VM_MEM:-1024}
cpus=${VM_CPUS:-2}
out="$outdir/$job.out"

if [ ! -r "$kernel" ]; then
	echo "run-vm: cannot read the guest kernel $kernel" >&2
	exit 1
fi
mkdir -p "$outdir"

cpu=${VM_CPU:-qemu64,-cx16}
[ "$accel" = kvm ] && cpu=host
console_file=""
[ "${VM_QUIET:-0}" = 1 ] && console_file="$outdir/console.log"

# Boot once: 0 if the guest ran to its end, 1 if it did not, 2 if /init
# never started (the caller retries).
boot() {
	rm -f "$out"
	if [ -n "$console_file" ]; then
		console="file:$console_file"
	else
		console=stdio
	fi
	qemu-system-x86_64 \
		-accel "$accel_opt" -cpu "$cpu" -m "$mem" -smp "$cpus" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic tcpfsm.job=$job ${VM_APPEND:-}" \
		-display none -monitor none -no-reboot \
		-serial "$console" -serial "file:$out" </dev/null &
	qemu=$!
	start=$(date +%s)
	booted=0
	finished=0
	while kill -0 $qemu 2>/dev/null; do
		now=$(date +%s)
		if [ $booted = 0 ] && grep -aq '^TCPFSM-VM-BOOTED' "$out" 2>/dev/null; then
			booted=1
		fi
		# The job is over: a guest that halts instead of powering off
		# (no ACPI) is not waited for.
		if [ $finished = 0 ] && grep -aq '^TCPFSM-VM-EXIT' "$out" 2>/dev/null; then
			finished=$now
		fi
		if [ $finished != 0 ] && [ $((now - finished)) -ge 15 ]; then
			kill $qemu 2>/dev/null || true
			break
		fi
		if [ $booted = 0 ] && [ $((now - start)) -ge "$boot_timeout" ]; then
			kill $qemu 2>/dev/null || true
			wait $qemu 2>/dev/null || true
			return 2
		fi
		if [ $((now - start)) -ge "$timeout" ]; then
			echo "run-vm: job $job still running after ${timeout}s: killing the guest" >&2
			kill $qemu 2>/dev/null || true
			wait $qemu 2>/dev/null || true
			return 1
		fi
		sleep 1
	done
	wait $qemu 2>/dev/null || true
	grep -aq '^TCPFSM-VM-BOOTED' "$out" 2>/dev/null || return 2
	return 0
}

attempt=1
while :; do
	status=0
	boot || status=$?
	[ $status = 2 ] || break
	if [ $attempt -ge "$tries" ]; then
		echo "run-vm: the guest never started /init in $tries boots of ${boot_timeout}s" >&2
		[ -n "$console_file" ] && tail -n 30 "$console_file" >&2
		exit 1
	fi
	echo "run-vm: boot $attempt of $tries did not reach /init within ${boot_timeout}s (the module was not loaded yet): booting again" >&2
	if [ -n "$console_file" ]; then
		tail -n 15 "$console_file" | sed 's/^/run-vm:   console: /' >&2
		cp "$console_file" "$console_file.boot$attempt"
	fi
	attempt=$((attempt + 1))
done

if [ ! -s "$out" ]; then
	echo "run-vm: the guest produced no output" >&2
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
	[ -n "$console_file" ] && tail -n 40 "$console_file" >&2
	exit 1
	;;
esac
