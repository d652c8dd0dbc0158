#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - tcpfsm on one kernel of the matrix (selftests/vm/kernels.sh).
#
#   guest.sh module NAME             build module/ (and unload_test's
#                                    helper, selftests/stall) for kernel
#                                    NAME with sparse (C=2) and W=1; any
#                                    warning fails
#   guest.sh run NAME JOB [FILE...]  build the module, an initramfs with it
#                                    and FILEs ("src=dst" pairs, as for
#                                    mkinitramfs.sh), boot NAME and run JOB
#   guest.sh reusable NAME JOB [FILE...]
#                                    succeed if the last "run" of JOB on
#                                    NAME passed with these very inputs
#                                    (module, kernel, FILEs, jobs, command
#                                    line): its output can stand for a run
#
# Everything goes to $BUILD/k/NAME (default build/k/NAME): src/ (a copy of
# the module's sources, so that kernels never share objects), stall/ (the
# helper's), tcpfsm.ko, tcpfsm_stall.ko,
# kbuild.log, kernel.env, initramfs.cpio.gz, and vm/ (the job's output and
# the guest console).  VM_* variables pass through to run-vm.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}

die() {
	echo "guest.sh: $*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: guest.sh module NAME | run NAME JOB [FILE...]"
cmd=$1
name=$2
shift 2
kb=$build/k/$name
mkdir -p "$kb"

"$here/kernels.sh" env "$name" > "$kb/kernel.env.tmp" ||
	die "cannot fetch kernel $name"
mv "$kb/kernel.env.tmp" "$kb/kernel.env"
. "$kb/kernel.env"

# Build from a fresh copy of the sources, with every checker on; again
# only when the sources or the kernel changed.
build_module() {
	sum=$(cd "$top" && find Kbuild module selftests/stall -maxdepth 1 -type f \
		\( -name Kbuild -o -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' |
		sort | xargs cat | sha256sum | cut -d' ' -f1)
	if [ -s "$kb/tcpfsm.ko" ] && [ -s "$kb/tcpfsm_stall.ko" ] &&
	   [ "$(cat "$kb/tcpfsm.ko.key" 2>/dev/null)" = "$sum $KVERSION" ]; then
		echo "guest.sh: tcpfsm.ko for $name ($KVER) is up to date"
		return 0
	fi
	rm -f "$kb/tcpfsm.ko" "$kb/tcpfsm_stall.ko" "$kb/tcpfsm.ko.key"
	rm -rf "$kb/src" "$kb/stall"
	mkdir -p "$kb/src" "$kb/stall"
	cp -p "$top/Kbuild" "$kb/src/"
	cp -pr "$top/module" "$kb/src/"
	cp -p "$top/selftests/stall/Kbuild" "$top/selftests/stall/tcpfsm_stall.c" \
		"$kb/stall/"
	find "$kb/src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o \
		-name '.*.cmd' -o -name '*.order' -o -name '*.symvers' \) -delete
	echo "guest.sh: building tcpfsm.ko for $name ($KVER) with C=2 W=1"
	: > "$kb/kbuild.log"
	# The module, then unload_test's helper (selftests/stall).
	for dir in src stall; do
		if ! "$here/kernels.sh" run "$name" make -C "$KDIR" M="$kb/$dir" \
			C=2 W=1 modules >> "$kb/kbuild.log" 2>&1; then
			cat "$kb/kbuild.log" >&2
			die "$kb/$dir does not build for $name ($KVER)"
		fi
	done
	if grep -E 'warning:|error:' "$kb/kbuild.log" >&2; then
		die "sparse or W=1 warnings on $name ($KVER): see $kb/kbuild.log"
	fi
	# Everything the probes run, rare paths included, must not sleep:
	# checked on the object code built for this kernel (PREEMPT_RT's
	# spinlock_t shows as rt_spin_lock).
	python3 "$top/bench/callgraph.py" --atomic "$kb/src/module/tcpfsm.ko" ||
		die "the probes of the $name build can sleep (above)"
	cp "$kb/src/module/tcpfsm.ko" "$kb/tcpfsm.ko"
	cp "$kb/stall/tcpfsm_stall.ko" "$kb/tcpfsm_stall.ko"
	echo "$sum $KVERSION" > "$kb/tcpfsm.ko.key"
}

# The hash of everything a run of job $1 on this kernel depends on, the
# FILEs ($2...) included: what "reusable" compares.
inputs_key() {
	{
		# Unquoted: the words, whatever the spaces between them.
		# shellcheck disable=SC2086
		echo job $1 append $KAPPEND ${VM_APPEND:-} kmods ${EXTRA_KMODS-default}
		cat "$kb/tcpfsm.ko.key"
		shift
		for f in "$@"; do
			echo "${f#*=} $(sha256sum < "${f%%=*}")"
		done
		find "$here/jobs" "$here/init" "$here/run-vm.sh" "$here/mkinitramfs.sh" \
			-type f | LC_ALL=C sort | xargs sha256sum
	} | sha256sum | cut -d' ' -f1
}

case $cmd in
module)
	build_module
	;;
reusable)
	[ $# -ge 1 ] || die "usage: guest.sh reusable NAME JOB [FILE...]"
	build_module >&2
	[ -r "$kb/vm/$1.inputs" ] && [ "$(cat "$kb/vm/$1.status" 2>/dev/null)" = 0 ] &&
		[ "$(cat "$kb/vm/$1.inputs")" = "$(inputs_key "$@")" ]
	;;
run)
	[ $# -ge 1 ] || die "usage: guest.sh run NAME JOB [FILE...]"
	job=$1
	shift
	build_module
	mkdir -p "$kb/vm"
	rm -f "$kb/vm/$job.status"
	inputs_key "$job" "$@" > "$kb/vm/$job.inputs"
	KMODDIR=$KMODDIR EXTRA_KMODS=${EXTRA_KMODS-veth dccp_ipv4 dccp_ipv6} \
		"$here/mkinitramfs.sh" "$kb/initramfs.cpio.gz" "$KVER" \
		"$kb/tcpfsm.ko=/lib/tcpfsm/tcpfsm.ko" \
		"$kb/tcpfsm_stall.ko=/lib/tcpfsm/tcpfsm_stall.ko" "$@"
	echo "guest.sh: booting $name ($KVER) for job $job"
	# The whole suite under TCG takes minutes: the tests bound
	# themselves, this only catches a guest that stopped answering.
	status=0
	VM_TIMEOUT=${VM_TIMEOUT:-2400} VM_APPEND="$KAPPEND ${VM_APPEND:-}" \
		"$here/run-vm.sh" "$VMLINUZ" "$kb/initramfs.cpio.gz" "$job" "$kb/vm" ||
		status=$?
	echo "$status" > "$kb/vm/$job.status"
	exit "$status"
	;;
*)
	die "unknown command '$cmd'"
	;;
esac
