#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/guest-cpu.sh - which CPU model the TCG guest should emulate.
#
#   bench/guest-cpu.sh [KERNEL [BOOTS [MODEL...]]]
#
# QEMU 7.2's TCG leaves garbage in EFLAGS after CMPXCHG16B, which SLUB's
# per-CPU fast path uses on 6.x kernels (run-vm.sh explains it).  This boots
# KERNEL (a name of selftests/vm/kernels.sh, default 6.12) BOOTS times
# (default 10) with each MODEL (default "qemu64 qemu64,-cx16"), runs the
# demo job (load tcpfsm, every scenario over IPv4 and IPv6, the tool's
# views, unload) and reports, per model: runs that passed, runs that
# crashed or warned (with the first line of the kernel's report) and the
# median wall time of a passing run.  Boots are interleaved, one of each
# model in turn, so that host load affects both alike.  Results go to
# build/bench/guest-cpu.txt.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
kernel=${1:-6.12}
boots=${2:-10}
shift $(($# > 2 ? 2 : $#))
models=${*:-qemu64 qemu64,-cx16}
out=build/bench/guest-cpu
mkdir -p "$out"
: > "$out/runs.txt"

make -s guest-files >/dev/null
files="selftests/tool_test.sh=/tests/tool_test.sh tools/tcpfsm.static=/bin/tcpfsm build/tcpfsm-traffic=/bin/tcpfsm-traffic"

# The module for each model's build directory first: no boot is timed
# with a build in it.
for model in $models; do
	BUILD=$top/$out/$(echo "$model" | tr ',' '_') \
		selftests/vm/guest.sh module "$kernel" > "$out/last.log" 2>&1 ||
		{ cat "$out/last.log" >&2; exit 1; }
done

i=1
while [ "$i" -le "$boots" ]; do
	for model in $models; do
		# Kbuild cannot build in a path with a comma.
		dir=$(echo "$model" | tr ',' '_')
		start=$(date +%s.%N)
		status=pass
		# One try per boot: a boot that hangs counts, it is not retried.
		VM_CPU=$model VM_BOOT_TRIES=1 VM_QUIET=1 VM_TIMEOUT=300 \
			BUILD=$top/$out/$dir selftests/vm/guest.sh run "$kernel" demo $files \
			> "$out/last.log" 2>&1 || status=fail
		end=$(date +%s.%N)
		console=$out/$dir/k/$kernel/vm/console.log
		report=$(grep -a -m 1 -E 'Oops|BUG:|WARNING:|double fault|general protection|Kernel panic' \
			"$console" 2>/dev/null || true)
		[ -n "$report" ] && status=fail
		[ "$status" = pass ] || cp "$console" "$out/$dir.fail$i.log" 2>/dev/null || true
		echo "$model $i $status $(echo "$end - $start" | bc) ${report:-}" | tee -a "$out/runs.txt"
	done
	i=$((i + 1))
done

{
	echo "kernel $kernel, $boots boots per CPU model, demo job"
	for model in $models; do
		pass=$(awk -v m="$model" '$1 == m && $3 == "pass"' "$out/runs.txt" | wc -l)
		median=$(awk -v m="$model" '$1 == m && $3 == "pass" { print $4 }' "$out/runs.txt" |
			sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)]; else print "-" }')
		echo "$model: $pass of $boots passed, median $median s"
		awk -v m="$model" '$1 == m && $3 == "fail" { $1 = $3 = ""; print "  failed run" $0 }' "$out/runs.txt"
	done
} | tee build/bench/guest-cpu.txt
