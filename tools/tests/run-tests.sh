#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh TCPFSM UNIT LABEL - the host tests of one build of tcpfsm:
#   1. unit tests of the pure functions (UNIT selftest)
#   2. golden outputs: every case of tests/cases.txt, byte for byte
#   3. the malformed corpus of tests/malformed/ plus generated cases (huge
#      lines, huge files, missing files): non-zero exit, a FILE:LINE:
#      message, no crash and no sanitizer report
# With UPDATE_GOLDEN=1 it rewrites tests/golden/ instead of comparing (2 only).
# Prints "N passed, N failed" and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 2

BIN=$1
UNIT=$2
LABEL=$3
GOLDEN=tests/golden
NOW_NS=3600000000000
TMP=$(mktemp -d /tmp/tcpfsm-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass=0
fail=0
# Sanitizers: exit codes that no tcpfsm exit code uses, and no leak noise
# hidden from the comparison (leaks are reported and fail the run).
export ASAN_OPTIONS=exitcode=99:abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [$LABEL] $*"
}

# run LOCALE CMD... : run in a clean environment, stdout/stderr to $TMP
run() {
	local loc=$1
	shift
	env -i PATH="$PATH" NO_COLOR=1 TCPFSM_NOW_NS=$NOW_NS LC_ALL="$loc" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		"$@" >"$TMP/out" 2>"$TMP/err"
}

sanitizer_clean() {
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$TMP/err"
}

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

# --- 1. unit tests -------------------------------------------------------
if [ -z "${UPDATE_GOLDEN:-}" ]; then
	if run C "$UNIT" selftest && sanitizer_clean; then
		ok
	else
		bad "unit selftest: $(cat "$TMP/out" "$TMP/err" | tail -20)"
	fi
fi

# --- 2. golden outputs ---------------------------------------------------
mkdir -p "$GOLDEN"
while IFS='|' read -r name rc loc args; do
	name=$(trim "$name")
	case $name in '' | '#'*) continue ;; esac
	rc=$(trim "$rc")
	loc=$(trim "$loc")
	args=$(trim "$args")
	fx=${name%%.*}
	root=tests/fixtures/$fx
	if [ "${args#unit:}" != "$args" ]; then
		# shellcheck disable=SC2086
		run "$loc" "$UNIT" ${args#unit:}
	else
		# shellcheck disable=SC2086
		run "$loc" "$BIN" --root "$root" $args
	fi
	got=$?
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		if [ "$got" != "$rc" ]; then
			bad "$name: exit $got, expected $rc: $(head -3 "$TMP/err")"
			continue
		fi
		cp "$TMP/out" "$GOLDEN/$name.out"
		ok
		continue
	fi
	if [ "$got" != "$rc" ]; then
		bad "$name: exit $got, expected $rc: $(head -5 "$TMP/err")"
	elif ! sanitizer_clean; then
		bad "$name: sanitizer report: $(head -20 "$TMP/err")"
	elif [ ! -f "$GOLDEN/$name.out" ]; then
		bad "$name: no golden file $GOLDEN/$name.out (make update-golden)"
	elif ! cmp -s "$TMP/out" "$GOLDEN/$name.out"; then
		bad "$name: output differs from $GOLDEN/$name.out:"
		diff -u "$GOLDEN/$name.out" "$TMP/out" | head -20
	else
		ok
	fi
done <tests/cases.txt

if [ -n "${UPDATE_GOLDEN:-}" ]; then
	echo "update-golden: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# --- 3. malformed input --------------------------------------------------
# The command that reads each debugfs file.
cmd_for() {
	case $1 in
	transitions) echo transitions ;;
	states) echo states ;;
	stats) echo summary ;;
	illegal) echo log ;;
	table) echo table ;;
	lifecycle) echo lifecycle ;;
	dwell) echo dwell ;;
	netns) echo netns ;;
	esac
}

# expect_error NAME RC PATTERN CMD... : exit RC, stderr matches PATTERN
expect_error() {
	local name=$1 rc=$2 pat=$3
	shift 3
	run C "$@"
	local got=$?
	if [ "$got" != "$rc" ]; then
		bad "malformed $name: exit $got, expected $rc: $(head -3 "$TMP/err")"
	elif [ -s "$TMP/out" ] && [ "$rc" != 0 ]; then
		bad "malformed $name: wrote to stdout despite the error"
	elif ! sanitizer_clean; then
		bad "malformed $name: sanitizer report: $(head -20 "$TMP/err")"
	elif ! grep -qE "$pat" "$TMP/err"; then
		bad "malformed $name: stderr does not match /$pat/: $(head -3 "$TMP/err")"
	else
		ok
	fi
}

# fresh_root: a copy of the basic fixture in $TMP/root
fresh_root() {
	rm -rf "$TMP/root"
	cp -r tests/fixtures/basic "$TMP/root"
}

while read -r file rc line; do
	case $file in '' | '#'*) continue ;; esac
	target=${file%%.*}
	fresh_root
	cp "tests/malformed/$file" "$TMP/root/$target"
	if [ "$line" = - ]; then
		pat="^tcpfsm: $TMP/root/$target: "
	else
		pat="^tcpfsm: $TMP/root/$target:$line: "
	fi
	expect_error "$file" "$rc" "$pat" "$BIN" --root "$TMP/root" "$(cmd_for "$target")"
	# every command that reads the file must fail the same way
	if [ "$target" = transitions ] || [ "$target" = illegal ]; then
		expect_error "$file (--json)" "$rc" "$pat" "$BIN" --root "$TMP/root" --json \
			"$(cmd_for "$target")"
	fi
	if [ "$target" = transitions ] || [ "$target" = states ] || [ "$target" = stats ]; then
		expect_error "$file (prometheus)" "$rc" "$pat" "$BIN" --root "$TMP/root" prometheus
	fi
done <tests/malformed/EXPECT

# A line of 1.5 MiB, and one just over the limit of 256 KiB.
fresh_root
{
	printf '# tcpfsm transitions format 1\n# x\nTCP CLOSE LISTEN '
	head -c 1572864 /dev/zero | tr '\0' '7'
	printf ' rfc\n'
} >"$TMP/root/transitions"
expect_error "long line (1.5 MiB)" 1 "transitions:3: line longer than 262144 bytes" \
	"$BIN" --root "$TMP/root" transitions
fresh_root
{
	printf '# tcpfsm table format 1\nCLOSE LISTEN rfc - '
	head -c 262126 /dev/zero | tr '\0' 'r'
	printf '\n'
} >"$TMP/root/table"
expect_error "line of 262145 bytes" 1 "table:2: line longer than 262144 bytes" \
	"$BIN" --root "$TMP/root" table
{
	printf '# tcpfsm table format 1\nCLOSE LISTEN rfc - '
	head -c 262125 /dev/zero | tr '\0' 'r'
	printf '\n'
} >"$TMP/root/table"
run C "$BIN" --root "$TMP/root" table
if [ $? = 0 ] && sanitizer_clean && [ "$(wc -c <"$TMP/out")" -gt 262144 ]; then
	ok
else
	bad "a line of exactly 262144 bytes must be accepted: $(head -3 "$TMP/err")"
fi

# A file over the 64 MiB cap (written sparse-free, deleted right after).
fresh_root
{
	printf '# tcpfsm illegal format 1\n'
	head -c 67200000 /dev/zero | tr '\0' '\n'
} >"$TMP/root/illegal"
expect_error "file over 64 MiB" 1 "illegal: larger than 64 MiB" "$BIN" --root "$TMP/root" log
rm -f "$TMP/root/illegal"

# Missing files and directories.
fresh_root
rm "$TMP/root/states"
expect_error "missing states" 3 "^tcpfsm: $TMP/root/states: missing" "$BIN" --root "$TMP/root"
expect_error "missing root" 3 "^tcpfsm: $TMP/nowhere: No such file or directory" \
	"$BIN" --root "$TMP/nowhere" states
expect_error "root is a file" 3 "not a directory" "$BIN" --root "$TMP/root/stats" states
fresh_root
rm "$TMP/root/transitions"
mkdir "$TMP/root/transitions"
expect_error "transitions is a directory" 6 "transitions: Is a directory" \
	"$BIN" --root "$TMP/root" transitions
fresh_root
rm "$TMP/root/lifecycle"
expect_error "lifecycle missing with timewait_tracking 1" 3 "lifecycle: missing although" \
	"$BIN" --root "$TMP/root" lifecycle
fresh_root
rm "$TMP/root/control"
expect_error "reset without control" 3 "control: missing" "$BIN" --root "$TMP/root" reset

# The default root on this host: debugfs is not mounted here, or the module
# is not loaded, or (in a VM with it loaded) it works.
run C "$BIN" states
got=$?
if [ "$got" = 0 ] || { [ "$got" = 3 ] && grep -qE "debugfs is not mounted|module is not loaded|missing although" "$TMP/err"; } ||
	{ [ "$got" = 4 ] && grep -q "run tcpfsm as root" "$TMP/err"; }; then
	ok
else
	bad "default root: exit $got: $(cat "$TMP/err")"
fi

# Permission denied, as an unprivileged user (needs root and setpriv).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	fresh_root
	chmod 0700 "$TMP/root"
	chmod 0755 "$TMP"
	cp "$BIN" "$TMP/tcpfsm-bin"
	chmod 0755 "$TMP/tcpfsm-bin"
	run C setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/tcpfsm-bin" \
		--root "$TMP/root" states
	got=$?
	if [ "$got" = 4 ] && grep -q "permission denied: run tcpfsm as root" "$TMP/err"; then
		ok
	else
		bad "permission denied: exit $got: $(cat "$TMP/err")"
	fi
	chmod 0755 "$TMP/root"
	chmod 0600 "$TMP/root/states"
	run C setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/tcpfsm-bin" \
		--root "$TMP/root" states
	got=$?
	if [ "$got" = 4 ] && grep -q "states: permission denied: run tcpfsm as root" "$TMP/err"; then
		ok
	else
		bad "permission denied on a file: exit $got: $(cat "$TMP/err")"
	fi
else
	echo "SKIP [$LABEL] permission tests need root and setpriv"
fi

# --- 4. valid but extreme values ------------------------------------------
if command -v python3 >/dev/null; then
	python3 tests/mkstress.py "$TMP/stress"
	for args in "" states transitions "transitions --list" log "log --stack" table explain \
		"explain time_wait" "explain new_syn_recv" lifecycle dwell netns dot prometheus; do
		for mode in "" --json; do
			case "$mode $args" in "--json dot" | "--json prometheus") continue ;; esac
			# shellcheck disable=SC2086
			run C.UTF-8 "$BIN" --root "$TMP/stress" $mode $args
			got=$?
			if [ "$got" = 0 ] && sanitizer_clean && [ -s "$TMP/out" ]; then
				ok
			else
				bad "extreme values, '$mode $args': exit $got: $(head -5 "$TMP/err")"
			fi
		done
	done
	for pair in "$TMP/stress tests/fixtures/basic" "tests/fixtures/basic $TMP/stress" \
		"$TMP/stress $TMP/stress"; do
		# shellcheck disable=SC2086
		run C.UTF-8 "$UNIT" watch $pair 1
		got=$?
		if [ "$got" = 0 ] && sanitizer_clean; then ok; else bad "watch $pair: $(head -5 "$TMP/err")"; fi
	done
else
	echo "SKIP [$LABEL] python3 not found: extreme-value tree not generated"
fi

# Usage errors.
for args in "bogus" "states extra" "--json dot" "--json prometheus" "-f states" \
	"watch -i 0" "watch -n 0" "--color sometimes" "explain nosuchstate" "--root" \
	"transitions --stack" "log -i 1"; do
	# shellcheck disable=SC2086
	expect_error "usage: $args" 2 "^tcpfsm: " "$BIN" --root tests/fixtures/basic $args
done

echo "$LABEL: $pass passed, $fail failed"
[ "$fail" = 0 ]
