#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# count.sh OUTDIR - instructions per event of the module's classify-and-
# count code (module/tcpfsm_hotpath.h), compiled for userspace with the
# kernel's usual -O2 and code-generation flags, counted by callgrind.
#
# For each trace, the harness runs it K and 2K times.  Two counts:
#   fn:    --toggle-collect=bench_count: only the instructions executed
#          inside bench_count() (tcpfsm_count() inlined, and its ret);
#          divided by the number of calls.
#   delta: the whole program, (Ir(2K) - Ir(K)) / (K * events): adds the
#          harness loop and the call; start-up and checks cancel out.
# Prints "key value..." lines for bench/report.py.
set -eu

out=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=$out/hotpath
# The kernel's x86-64 flags that change code generation, minus those that
# need a kernel (-mcmodel=kernel, -mindirect-branch=thunk-extern).
flags="-O2 -fno-strict-aliasing -fno-common -fno-pie -no-pie -mno-red-zone
-mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -fno-asynchronous-unwind-tables
-fno-jump-tables -fcf-protection=none -fno-stack-protector -fno-delete-null-pointer-checks"
# shellcheck disable=SC2086
${CC:-gcc} -std=gnu11 -Wall -Wextra -Werror $flags -o "$bin" \
	"$here/hotpath.c" "$top/tools/traffic/scenarios.c"

echo "cflags $(echo $flags)"
echo "compiler $(${CC:-gcc} --version | head -n 1)"
echo "valgrind $(valgrind --version)"
echo "static_insns $(objdump -d --no-show-raw-insn "$bin" | awk '/<bench_count>:/ { f = 1; next } f && /^$/ { exit } f && !/nop|xchg +%ax,%ax/ { n++ } END { print n }')"
echo "calls_in_bench_count $(objdump -d --no-show-raw-insn "$bin" | awk '/<bench_count>:/ { f = 1; next } f && /^$/ { exit } f && /call|jmp +\*/ { n++ } END { print n + 0 }')"

ir() {	# ir TRACE ROUNDS [callgrind options]: the collected Ir
	t=$1 k=$2
	shift 2
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$@" \
		"$bin" "$t" "$k" > /dev/null 2> "$out/cg.log" || { cat "$out/cg.log" >&2; exit 1; }
	awk '$1 == "totals:" { print $2 }' "$out/cg.out"
}

k=5000
for t in tcp other birth illegal range; do
	events=$("$bin" --list $t | wc -l)
	fn1=$(ir $t $k --toggle-collect=bench_count)
	fn2=$(ir $t $((2 * k)) --toggle-collect=bench_count)
	all1=$(ir $t $k)
	all2=$(ir $t $((2 * k)))
	echo "trace $t events $events rounds $k fn_k $fn1 fn_2k $fn2 all_k $all1 all_2k $all2"
done
"$bin" --list tcp | sort | uniq -c | awk '{ print "tcp_pair", $3, $4, $1 }'
objdump -d --no-show-raw-insn "$bin" | awk '/<bench_count>:/ { f = 1 } f && /^$/ { exit } f { sub(/^ +[0-9a-f]+:\t/, ""); print "asm", $0 }'
rm -f "$out/cg.out" "$out/cg.log"
