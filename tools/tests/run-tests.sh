#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh TCPFSM UNIT LABEL - the host tests of one build of tcpfsm:
#   1. unit tests of the pure functions (UNIT selftest)
#   2. golden outputs: every case of tests/cases.txt, byte for byte
#   3. the malformed corpus of tests/malformed/ plus generated cases (huge
#      lines, huge files, missing files): non-zero exit, a FILE:LINE:
#      message, no crash and no sanitizer report
#   4. valid but extreme values, usage errors
#   5. prometheus --textfile: the file equals the golden, atomic replacement
#      under concurrent readers, tcpfsm_up 0 when nothing can be read, and
#      every bad directory refused with no file left behind
# Every run reads net.ipv4.tcp_max_tw_buckets from tests/procsys
# (TCPFSM_PROC_SYS), not from this host's /proc/sys.
# With UPDATE_GOLDEN=1 it rewrites tests/golden/ instead of comparing (2 only).
# Prints "N passed, N failed, N skipped" and exits non-zero if anything
# failed.  A test that cannot run here is a skip, printed and counted apart;
# with CI=true a skip for want of a package that selftests/vm/deps.sh
# installs is a failure.
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
skipped=0
# Sanitizers: exit codes that no tcpfsm exit code uses, and no leak noise
# hidden from the comparison (leaks are reported and fail the run).
export ASAN_OPTIONS=exitcode=99:abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [$LABEL] $*"
}
# skip PACKAGE WHY: PACKAGE is the missing Debian package, or "-" for a
# cause no package cures (not root).
skip() {
	if [ "$1" != - ] && [ "${CI:-}" = true ]; then
		bad "$2 (CI=true, and Debian package $1 is not installed)"
	else
		skipped=$((skipped + 1))
		echo "SKIP [$LABEL] $2"
	fi
}

# run LOCALE CMD... : run in a clean environment, stdout/stderr to $TMP
run() {
	local loc=$1
	shift
	env -i PATH="$PATH" NO_COLOR=1 TCPFSM_NOW_NS=$NOW_NS LC_ALL="$loc" \
		TCPFSM_PROC_SYS="$PWD/tests/procsys" \
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
elif [ "$(id -u)" != 0 ]; then
	skip - "permission tests need root"
else
	skip util-linux "permission tests need setpriv"
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
	skip python3 "python3 not found: extreme-value tree not generated"
fi

# Usage errors.
for args in "bogus" "states extra" "--json dot" "--json prometheus" "-f states" \
	"watch -i 0" "watch -n 0" "--color sometimes" "explain nosuchstate" "--root" \
	"transitions --stack" "log -i 1"; do
	# shellcheck disable=SC2086
	expect_error "usage: $args" 2 "^tcpfsm: " "$BIN" --root tests/fixtures/basic $args
done


# --- 5. prometheus --textfile ------------------------------------------------
# textfile_ok NAME DIR GOLDEN: DIR holds tcpfsm.prom equal to GOLDEN, mode
# 0644, and nothing else (no temporary file left).
textfile_ok() {
	local name=$1 dir=$2 golden=$3
	if [ ! -f "$dir/tcpfsm.prom" ]; then
		bad "textfile $name: no $dir/tcpfsm.prom"
	elif ! cmp -s "$dir/tcpfsm.prom" "$golden"; then
		bad "textfile $name: tcpfsm.prom differs from $golden:"
		diff -u "$golden" "$dir/tcpfsm.prom" | head -10
	elif [ "$(stat -c %a "$dir/tcpfsm.prom")" != 644 ]; then
		bad "textfile $name: mode $(stat -c %a "$dir/tcpfsm.prom"), expected 644"
	elif [ "$(ls -A "$dir")" != tcpfsm.prom ]; then
		bad "textfile $name: other files left in the directory: $(ls -A "$dir" | tr '\n' ' ')"
	else
		ok
	fi
}

# The metrics of a fixture, and nothing on stdout or stderr.
TF=$TMP/textfile
rm -rf "$TF" && mkdir "$TF"
run C "$BIN" --root tests/fixtures/basic prometheus --textfile "$TF"
got=$?
if [ "$got" = 0 ] && [ ! -s "$TMP/out" ] && [ ! -s "$TMP/err" ] && sanitizer_clean; then
	textfile_ok basic "$TF" "$GOLDEN/basic.prometheus.out"
else
	bad "textfile basic: exit $got, stdout $(wc -c <"$TMP/out") bytes: $(head -3 "$TMP/err")"
fi
# --textfile=DIR, replacing the previous file
run C "$BIN" --root tests/fixtures/empty prometheus --textfile="$TF"
got=$?
if [ "$got" = 0 ] && sanitizer_clean; then
	textfile_ok "replace" "$TF" "$GOLDEN/empty.prometheus.out"
else
	bad "textfile replace: exit $got: $(head -3 "$TMP/err")"
fi
# No module: the file says tcpfsm_up 0, quietly (the timer's normal case).
run C "$BIN" --root "$TMP/nowhere" prometheus --textfile "$TF"
got=$?
if [ "$got" = 0 ] && [ ! -s "$TMP/err" ] && sanitizer_clean; then
	textfile_ok "no module" "$TF" "$GOLDEN/nomodule.prometheus.out"
else
	bad "textfile no module: exit $got: $(head -3 "$TMP/err")"
fi
# A module whose files cannot be read: the error, its exit code, and a file
# that no longer shows the last good numbers.
run C "$BIN" --root tests/fixtures/basic prometheus --textfile "$TF"
fresh_root
printf '# tcpfsm states format 1\nTCP NOSUCHSTATE 1 2 3\n' >"$TMP/root/states"
run C "$BIN" --root "$TMP/root" prometheus --textfile "$TF"
got=$?
if [ "$got" = 1 ] && grep -q "^tcpfsm: $TMP/root/states:2: " "$TMP/err" && sanitizer_clean; then
	textfile_ok "malformed states" "$TF" "$GOLDEN/nomodule.prometheus.out"
else
	bad "textfile malformed states: exit $got: $(head -3 "$TMP/err")"
fi

# Atomic replacement: 200 reads while 60 runs alternate two fixtures; each
# read must be one whole document (as the same run prints it to stdout),
# never a mix or a part.
run C "$BIN" --root tests/fixtures/basic prometheus
cp "$TMP/out" "$TMP/doc-basic"
run C "$BIN" --root tests/fixtures/empty prometheus
cp "$TMP/out" "$TMP/doc-empty"
run C "$BIN" --root tests/fixtures/basic prometheus --textfile "$TF"
(
	for _ in $(seq 30); do
		run C "$BIN" --root tests/fixtures/empty prometheus --textfile "$TF" || exit 1
		run C "$BIN" --root tests/fixtures/basic prometheus --textfile "$TF" || exit 1
	done
) &
writer=$!
torn=0
reads=0
while [ $reads -lt 200 ]; do
	cat "$TF/tcpfsm.prom" >"$TMP/read" 2>/dev/null || true
	if ! cmp -s "$TMP/read" "$TMP/doc-basic" && ! cmp -s "$TMP/read" "$TMP/doc-empty"; then
		torn=$((torn + 1))
	fi
	reads=$((reads + 1))
done
if wait "$writer" && [ $torn = 0 ]; then
	textfile_ok "after concurrent replacement" "$TF" "$TMP/doc-basic"
else
	bad "textfile atomicity: $torn of $reads reads saw a partial or missing file"
fi

# The protocol, as system calls: temporary file in DIR, fsync, rename over
# tcpfsm.prom, fsync of DIR.
if command -v strace >/dev/null && [ "${BIN#*san/}" = "$BIN" ]; then
	strace -o "$TMP/strace" -e trace=openat,fsync,rename,renameat,renameat2 \
		"$BIN" --root tests/fixtures/basic prometheus --textfile "$TF" 2>/dev/null
	seq_calls=$(grep -E "fsync|rename|openat\(AT_FDCWD, \"$TF" "$TMP/strace" |
		sed -E 's/^(openat|fsync|renameat2?|rename)\(.*/\1/' | tr '\n' ' ')
	if [ "$seq_calls" = "openat openat fsync renameat fsync " ] ||
		[ "$seq_calls" = "openat openat fsync renameat2 fsync " ] &&
		grep -q "openat(AT_FDCWD, \"$TF/.tcpfsm.prom.[A-Za-z0-9]\{6\}\", O_RDWR|O_CREAT|O_EXCL" "$TMP/strace" &&
		grep -qE "renameat2?\([0-9]+, \"\.tcpfsm\.prom\.[A-Za-z0-9]{6}\", [0-9]+, \"tcpfsm\.prom\"" "$TMP/strace"; then
		ok
	else
		bad "textfile system calls: '$seq_calls': $(grep -E 'fsync|rename|tcpfsm.prom' "$TMP/strace" | head -5)"
	fi
elif [ "${BIN#*san/}" = "$BIN" ]; then
	skip strace "strace not found: textfile system calls not checked"
fi

# Bad directories: refused with the reason, nothing written anywhere.
expect_error "textfile: no such directory" 3 "^tcpfsm: --textfile: directory $TMP/nodir: No such file or directory" \
	"$BIN" --root tests/fixtures/basic prometheus --textfile "$TMP/nodir"
[ -e "$TMP/nodir" ] && bad "textfile: $TMP/nodir was created"
expect_error "textfile: a file, not a directory" 3 "Not a directory" \
	"$BIN" --root tests/fixtures/basic prometheus --textfile "$TF/tcpfsm.prom"
rm -rf "$TF" && mkdir -p "$TF/tcpfsm.prom"
expect_error "textfile: tcpfsm.prom is a directory" 6 "^tcpfsm: --textfile: writing $TF/tcpfsm.prom: Is a directory" \
	"$BIN" --root tests/fixtures/basic prometheus --textfile "$TF"
if [ "$(ls -A "$TF")" = tcpfsm.prom ]; then ok; else bad "textfile: left $(ls -A "$TF")"; fi
long=$TMP/$(head -c 4076 /dev/zero | tr '\0' d)
expect_error "textfile: path too long" 2 "^tcpfsm: --textfile: path too long" \
	"$BIN" --root tests/fixtures/basic prometheus --textfile "$long"
for args in "prometheus --textfile" "prometheus --textfile=" "states --textfile $TF" \
	"--json prometheus --textfile $TF"; do
	# shellcheck disable=SC2086
	expect_error "usage: $args" 2 "^tcpfsm: " "$BIN" --root tests/fixtures/basic $args
done
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	rm -rf "$TF" && mkdir "$TF" && chmod 0755 "$TF" "$TMP"
	cp "$BIN" "$TMP/tcpfsm-bin" && chmod 0755 "$TMP/tcpfsm-bin"
	expect_error "textfile: directory not writable" 4 \
		"^tcpfsm: --textfile: cannot create a file in $TF: Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/tcpfsm-bin" \
		--root "$PWD/tests/fixtures/basic" prometheus --textfile "$TF"
	if [ -z "$(ls -A "$TF")" ]; then ok; else bad "textfile: left $(ls -A "$TF") after EACCES"; fi
elif [ "$(id -u)" != 0 ]; then
	skip - "textfile permission test needs root"
else
	skip util-linux "textfile permission test needs setpriv"
fi

echo "$LABEL: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
