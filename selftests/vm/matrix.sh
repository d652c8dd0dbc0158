#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh FILE... - the whole guest suite on every kernel of the matrix
# (selftests/vm/kernels.sh list), one after the other, then one table:
# kernel, Debian version, build, each test binary's pass/fail/skip counts,
# what the kernel offers, wall time (MATRIX_JOBS kernels at a time,
# default 2).  FILEs are the guest files (as for
# guest.sh run).  A kernel whose last run of this very suite passed (make
# check's, on the default kernel) is not booted again, and says so
# ("reused" for its time); MATRIX_RERUN=1 boots every kernel.  The table goes to stdout and to $BUILD/matrix/summary.txt;
# exits non-zero if any kernel failed.  MATRIX="6.1 6.12" runs a subset.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
out=$build/matrix
mkdir -p "$out"
kernels=${MATRIX:-$("$here/kernels.sh" list)}
failed=""

# The test programs the guest files put in /tests.
programs=$(for f in "$@"; do
	case ${f#*=} in /tests/*) echo "${f##*/}" ;; esac
done)

# Per test program "name pass/fail/skip" from a job's output, checked by
# results.sh: a program that did not run, did not finish, or reported
# fewer tests than it planned counts as a failure.
results() {
	rdir=$(mktemp -d)
	# shellcheck disable=SC2086
	"$here/results.sh" guest "$1" "$rdir" $programs |
		sed -n 's/^guest: \([^ ]*\): [0-9]* run, \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2\/\3\/\4/p'
	rm -rf "$rdir"
}

# One kernel $1 with the guest files $2...: build, run (or reuse), and
# its $out/$k.result.
one_kernel() {
	k=$1
	shift
	start=$(date +%s)
	status=ok
	kbuild=ok
	reused=
	"$here/guest.sh" module "$k" > "$out/$k.log" 2>&1 || kbuild=FAIL
	if [ $kbuild = ok ] && [ -z "${MATRIX_RERUN:-}" ] &&
		"$here/guest.sh" reusable "$k" selftests "$@" >> "$out/$k.log" 2>&1; then
		# make check ran this very suite on this kernel and passed: its
		# output stands (MATRIX_RERUN=1 runs it again).
		reused=1
		echo "matrix.sh: $k: reusing the passing run of the same module, tests and kernel" |
			tee -a "$out/$k.log" >&2
	elif [ $kbuild = ok ]; then
		rm -f "$build/k/$k/vm/selftests.out"
		VM_QUIET=1 "$here/guest.sh" run "$k" selftests "$@" >> "$out/$k.log" 2>&1 ||
			status=FAIL
	else
		status=FAIL
	fi
	end=$(date +%s)
	kb=$build/k/$k
	version=$(sed -n "s/^KVERSION='\(.*\)'/\1/p" "$kb/kernel.env" 2>/dev/null)
	{
		echo "kernel $k"
		echo "version ${version:-?}"
		echo "status $status"
		echo "build $kbuild"
		if [ -n "$reused" ]; then
			echo "seconds reused"
		else
			echo "seconds $((end - start))"
		fi
		echo "date $(date -u -r "$build/k/$k/vm/selftests.out" +%Y-%m-%d 2>/dev/null || echo ?)"
		if [ -r "$kb/vm/selftests.out" ]; then
			sed -n 's/\r$//; s/^# tcpfsm: features /features /p' "$kb/vm/selftests.out"
			results "$kb/vm/selftests.out" | sed 's/^/test /'
		fi
	} > "$out/$k.result"
	echo "matrix.sh: $k: $status in $((end - start)) s (log: $out/$k.log)" >&2
	[ $status = ok ] || tail -n 30 "$out/$k.log" >&2
}

# MATRIX_JOBS lanes (default 2) run their kernels one after the other, the
# lanes side by side: a guest under TCG leaves a CPU idle whenever its
# tests wait on the network's timers.  Kernel i goes to lane i mod JOBS.
jobs=${MATRIX_JOBS:-2}
for k in $kernels; do
	rm -f "$out/$k.result"
done
lane=0
while [ $lane -lt "$jobs" ]; do
	(
		i=0
		for k in $kernels; do
			[ $((i % jobs)) = $lane ] && one_kernel "$k" "$@"
			i=$((i + 1))
		done
	) &
	lane=$((lane + 1))
done
wait
for k in $kernels; do
	grep -qx 'status ok' "$out/$k.result" 2>/dev/null || failed="$failed $k"
done

# The table: one row per kernel; test columns in the order they ran.
tests=$(cat "$out"/*.result 2>/dev/null | sed -n 's/^test \([^ ]*\) .*/\1/p' | awk '!seen[$0]++')
{
	printf '%-8s %-20s %-6s %-5s' kernel version build result
	for t in $tests; do printf ' %s' "$(echo "$t" | sed 's/_test\(\.sh\)*$//')"; done
	printf ' %s\n' "seconds features (pass/fail/skip per test binary)"
	for k in $kernels; do
		r=$out/$k.result
		[ -r "$r" ] || continue
		get() { sed -n "s/^$1 //p" "$r" | head -n 1; }
		printf '%-8s %-20s %-6s %-5s' "$k" "$(get version)" "$(get build)" "$(get status)"
		for t in $tests; do
			c=$(sed -n "s/^test $t //p" "$r")
			printf ' %s' "${c:--}"
		done
		printf ' %s %s\n' "$(get seconds)" "$(get features | sed 's/^kernel=[^ ]* //')"
	done
} | tee "$out/summary.txt"

# The README's "Supported kernels" table, from this run: rewritten
# between its two marker lines when the whole matrix ran.
{
	echo "| kernel | Debian package version | tried | tests passed | features |"
	echo "|---|---|---|---|---|"
	for k in $kernels; do
		r=$out/$k.result
		[ -r "$r" ] || continue
		get() { sed -n "s/^$1 //p" "$r" | head -n 1; }
		counts=$(sed -n 's/^test [^ ]* //p' "$r" |
			awk -F/ '{ p += $1; f += $2; s += $3 } END { printf "%d of %d", p, p + f + s; if (s) printf " (%d skipped)", s }')
		[ "$(get status)" = ok ] || counts="$counts, FAILED"
		kname=$(get features | sed -n 's/^kernel=\([^ ]*\).*/\1/p')
		printf '| %s (`%s`) | %s | %s | %s | %s |\n' "$k" "${kname:-?}" "$(get version)" \
			"$(get date)" "$counts" \
			"$(get features | sed 's/^kernel=[^ ]* //; s/ /, /g')"
	done
} > "$out/supported-kernels.md"
readme=$top/README.md
if [ -z "${MATRIX:-}" ] && grep -q '^<!-- matrix table -->$' "$readme"; then
	awk -v table="$out/supported-kernels.md" '
		/^<!-- matrix table -->$/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
		/^<!-- end of matrix table -->$/ { skip = 0 }
		!skip' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
	echo "matrix.sh: README.md's table rewritten from this run" >&2
fi

if [ -n "$failed" ]; then
	echo "matrix.sh: failed on:$failed" >&2
	exit 1
fi
echo "matrix.sh: every kernel passed"
