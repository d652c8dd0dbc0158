#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh - what "make bench" runs (after building the module and
# tcpfsm-traffic): the hot path under callgrind on the host, the static
# check of what the probe calls, then one guest boot for the churn, memory
# and scale measurements, and docs/BENCHMARKS.md from all of it.
#
# Environment (defaults in brackets):
#   BENCH_ACCEL       tcg or kvm [tcg]; kvm where /dev/kvm works
#   BENCH_ROUNDS      interleaved rounds of every configuration [10]
#   BENCH_CONNS       connections per measured run [3000]
#   BENCH_CLIENTS     concurrent client threads [4]
#   BENCH_WARMUP      untimed cycles per thread before each timed run [100]
#   BENCH_CONFIGS     configurations, in round order
#   BENCH_SCALE_HOLD  connections held in the scale phase [100000]
#   BENCH_SCALE_CONNS connections churned in the scale phase [100000]
#   BENCH_PROFILE_CONFIGS  configurations profiled with perf
#                     [A B Bmin Bdwell Bnetns Btw Bstrict C C2 D]
#   BENCH_PROFILE_CONNS    connections per profiled run [4000]
#   BENCH_MEM         guest memory in MiB [4096]
#   BENCH_APPEND      guest kernel command line [clocksource=tsc tsc=reliable]:
#                     the TSC, as on real hardware; TCG's default, the HPET,
#                     makes every clock read an emulated device access
#   BENCH_DOC         where the report goes [docs/BENCHMARKS.md]
#   BENCH_ALT_KO      another build of tcpfsm.ko: configurations named X@alt
#                     (e.g. BENCH_CONFIGS="B B@alt") load it instead
#
# The guest kernel is Debian's 6.1 of the kernel matrix: "make bench" has
# built the module for it with selftests/vm/guest.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
build=${BUILD:-$top/build}
out=$build/bench
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.out

accel=${BENCH_ACCEL:-tcg}
rounds=${BENCH_ROUNDS:-10}
conns=${BENCH_CONNS:-3000}
clients=${BENCH_CLIENTS:-4}
configs=${BENCH_CONFIGS:-"A B C C2 D A2 Bstrict Bmin Bdwell Bnetns Btw"}
scale_hold=${BENCH_SCALE_HOLD:-100000}
scale_conns=${BENCH_SCALE_CONNS:-100000}
mem=${BENCH_MEM:-4096}
doc=${BENCH_DOC:-$top/docs/BENCHMARKS.md}
. "$build/k/6.1/kernel.env"
ko=$build/k/6.1/tcpfsm.ko
kver=$KVER
vmlinuz=$VMLINUZ
start=$(date +%s)
# The code measured is the tree as it is now: later commits must not claim it.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- module bench tools 2>/dev/null)" ]; then
	commit="$commit with uncommitted changes"
fi

note() { echo "bench: $*" >&2; }

# The workload and its helpers: static binaries for the guest.
CFLAGS="-std=gnu11 -O2 -Wall -Wextra -Werror"
${CC:-gcc} $CFLAGS -static -pthread -o "$out/churn" bench/churn.c tools/traffic/scenarios.c
${CC:-gcc} $CFLAGS -static -o "$out/procstates" bench/procstates.c

note "hot path: instructions per event under callgrind"
bench/hotpath/count.sh "$out" > "$out/hotpath.txt"

note "what the probe can call (objdump of $ko)"
python3 bench/callgraph.py "$ko" > "$out/callgraph.txt"

cat > "$out/config" <<CONF
CONNS=$conns
CLIENTS=$clients
WARMUP=${BENCH_WARMUP:-100}
ROUNDS=$rounds
CONFIGS="$configs"
VERIFY_CONNS=$((clients * 100))
PROFILE_CONFIGS="${BENCH_PROFILE_CONFIGS-A B Bmin Bdwell Bnetns Btw Bstrict C C2 D}"
PROFILE_CONNS=${BENCH_PROFILE_CONNS:-4000}
SCALE_HOLD=$scale_hold
SCALE_CONNS=$scale_conns
TW_WAIT=${BENCH_TW_WAIT:-65}
CONF

# bpftrace and perf from the host, with every library they load.
extra=""
for tool in bpftrace perf; do
	bin=$(command -v $tool || true)
	if [ -z "$bin" ]; then
		note "$tool not installed: the guest will run without it"
		continue
	fi
	extra="$extra $bin=/usr/bin/$tool"
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		case " $extra " in *" $lib=$lib "*) ;; *) extra="$extra $lib=$lib" ;; esac
	done
done

note "building the guest image"
# shellcheck disable=SC2086
selftests/vm/mkinitramfs.sh "$out/initramfs.cpio.gz" "$kver" \
	"$ko=/lib/tcpfsm/tcpfsm.ko" "$ko=/lib/modules/$kver/extra/tcpfsm.ko" \
	"$out/churn=/bin/churn" "$out/procstates=/bin/procstates" \
	"$build/tcpfsm-traffic=/bin/tcpfsm-traffic" \
	"bench/guest/bench=/jobs/bench" \
	"bench/guest/transitions.bt=/bench/transitions.bt" \
	"bench/guest/churn-bpf=/bench/churn-bpf" \
	"$out/config=/bench/config" ${BENCH_ALT_KO:+"$BENCH_ALT_KO=/lib/tcpfsm/alt.ko"} $extra

note "booting the guest ($accel, ${mem} MiB); the job's output goes to $out/bench.out"
vm_start=$(date +%s)
status=0
# Ahead of other work on the host where allowed: host load is noise here.
ACCEL=$accel VM_MEM=$mem VM_TIMEOUT=${BENCH_TIMEOUT:-3000} VM_QUIET=1 \
	VM_APPEND="${BENCH_APPEND-clocksource=tsc tsc=reliable}" nice -n -5 \
	selftests/vm/run-vm.sh "$vmlinuz" "$out/initramfs.cpio.gz" bench "$out" >&2 || status=$?
vm_end=$(date +%s)

cat > "$out/host.txt" <<HOST
accel $accel
host_cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
host_cores $(nproc)
qemu $(qemu-system-x86_64 --version | head -n 1)
guest_kernel $kver
vm_seconds $((vm_end - vm_start))
total_seconds $(( $(date +%s) - start ))
vm_status $status
commit $commit
HOST

python3 bench/report.py "$out" "$doc"
note "wrote $doc ($(( $(date +%s) - start )) s in all)"
# Missed targets and failed checks are results: they are in the document.
# Only a guest that did not finish its job fails make bench.
sed -n 's/^| \(.*\) | \*\*missed\*\* | \(.*\) |$/bench: missed: \1: \2/p' "$doc" >&2
if ! grep -q '^BENCH done' "$out/bench.out" 2>/dev/null; then
	note "the guest did not finish the job: see $out/bench.out and $out/console.log"
	exit 1
fi
