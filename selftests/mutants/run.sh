#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [NAME...] - mutation testing of the module ("make mutants").
#
# Each mutant of selftests/mutants/mutants (default: all) is applied to a
# copy of the tree in $BUILD/mutants/NAME/tree, and the guest part of make
# check (make vmtest, KERNEL=6.1 unless set) runs against it with its own
# build directory.  A mutant is killed when the suite fails; the run stops
# at the first failed test.  Then a table (mutant, result, the first test
# that failed), the kill rate and the survivors.  Exits non-zero if a
# mutant does not apply, does not build, or survives without a line
# "Equivalent: `NAME` ..." in docs/internals.md ("Mutants") saying why.
#
# The copy starts with the tree's build outputs (sources keep their times),
# so only what a mutant changes is rebuilt: the module always, the tests
# and the tool when the mutant is in a header they include.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
kernel=${KERNEL:-6.1}
out=$build/mutants
mkdir -p "$out/defs"
rm -f "$out/defs"/*

# mutant NAME FILE SED-SCRIPT DESCRIPTION (the definitions file's verb)
all=
mutant() {
	printf '%s\n' "$2" > "$out/defs/$1.file"
	printf '%s\n' "$3" > "$out/defs/$1.sed"
	printf '%s\n' "$4" > "$out/defs/$1.what"
	all="$all $1"
}
. "$here/mutants"

names=${*:-$all}
for name in $names; do
	[ -r "$out/defs/$name.file" ] || { echo "run.sh: no mutant $name" >&2; exit 2; }
done

# The first failure in a guest job's output: "PROGRAM: what failed".
first_failure() {
	awk '
		{ sub(/\r$/, "") }
		/^# tcpfsm: running / { prog = $4; sub(/.*\//, "", prog); next }
		/^not ok [0-9]+/ { sub(/^not ok [0-9]+ /, ""); print prog ": " $0; exit }
		/^# the kernel log shows a problem/ { print prog ": the kernel log"; exit }
		/^# tcpfsm: .* exited with [1-9]/ { print prog ": exited with " $NF; exit }
		END { if (prog != "" && NR) print prog ": did not finish (a crash?)" }
	' "$1" | head -n 1
}

# Run the guest part of make check on mutant $1; prints the verdict line.
run_one() {
	name=$1
	m=$out/$name
	file=$(cat "$out/defs/$name.file")
	rm -rf "$m"
	mkdir -p "$m/tree" "$m/build"
	(cd "$top" && tar cf - Kbuild Makefile module selftests tools bench) |
		(cd "$m/tree" && tar xpf -)
	# The package lists kernels.sh keeps (under the tree's build/).
	if [ -d "$top/build/apt" ]; then
		mkdir -p "$m/tree/build"
		ln -s "$top/build/apt" "$m/tree/build/apt"
	fi
	# The tool's dependency files name the tree they were built in.
	find "$m/tree/tools/build" -name '*.d' -exec sed -i "s#$top/#$m/tree/#g" {} + 2>/dev/null
	for b in ksrc selftests tcpfsm-traffic; do
		[ -e "$build/$b" ] && cp -a "$build/$b" "$m/build/"
	done
	sed -e "$(cat "$out/defs/$name.sed")" "$top/$file" > "$m/tree/$file"
	if cmp -s "$top/$file" "$m/tree/$file"; then
		echo "does-not-apply -"
		return
	fi
	diff -u "$top/$file" "$m/tree/$file" > "$m/mutation.diff"
	job=$m/build/k/$kernel/vm/selftests.out
	# A survivor runs the whole suite: give the guest all the time it needs.
	(cd "$m/tree" && VM_TIMEOUT=${VM_TIMEOUT:-3600} exec setsid make vmtest \
		BUILD="$m/build" KERNEL="$kernel" VM_QUIET=1 > "$m/make.log" 2>&1) &
	pid=$!
	killed=
	while kill -0 $pid 2>/dev/null; do
		if [ -r "$job" ] && grep -aq '^not ok [0-9]\|^# the kernel log shows a problem\|exited with [1-9]' "$job"; then
			killed=$(first_failure "$job")
			kill -TERM -$pid 2>/dev/null
			break
		fi
		sleep 5
	done
	wait $pid 2>/dev/null
	rc=$?
	if [ -n "$killed" ]; then
		echo "killed $killed"
	elif grep -q 'guest.sh: the probes of the .* build can sleep' "$m/make.log"; then
		echo "killed guest.sh: the probes can sleep (bench/callgraph.py)"
	elif grep -q 'guest.sh: the module does not build\|guest.sh: sparse or W=1' "$m/make.log"; then
		echo "does-not-build -"
	elif grep -q '^run-vm: job .* still running after' "$m/make.log"; then
		echo "timeout -"
	elif [ $rc != 0 ] && [ -s "$job" ] && grep -aq '^# tcpfsm: running ' "$job"; then
		echo "killed $(first_failure "$job")"
	elif [ $rc != 0 ]; then
		echo "error the guest did not run the suite (see $m/make.log)"
	else
		echo "survived -"
	fi
}

printf '%-32s %-15s %s\n' MUTANT RESULT "KILLED BY (the first failed test)" > "$out/summary.txt"
total=0
killed=0
bad=0
survivors=
for name in $names; do
	echo "run.sh: mutant $name: $(cat "$out/defs/$name.what")" >&2
	start=$(date +%s)
	verdict=$(run_one "$name")
	result=${verdict%% *}
	why=${verdict#* }
	total=$((total + 1))
	case $result in
	killed)
		killed=$((killed + 1))
		;;
	survived)
		# Only a mutant on an "Equivalent:" line of its own is
		# explained; being named in the table is not enough.
		if grep -q "^Equivalent: \`$name\`" "$top/docs/internals.md"; then
			result="survived (equivalent, docs/internals.md)"
		else
			bad=1
		fi
		survivors="$survivors $name"
		;;
	*)
		bad=1
		;;
	esac
	echo "run.sh: mutant $name: $result $why ($(($(date +%s) - start)) s)" >&2
	printf '%-32s %-15s %s\n' "$name" "$result" "$why" >> "$out/summary.txt"
done
cat "$out/summary.txt"
echo "kill rate: $killed of $total mutants killed$( [ $total -gt 0 ] && echo " ($((100 * killed / total))%)")"
echo "survivors:${survivors:- none}"
exit $bad
