#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# validate.sh TCPFSM - check the outputs with the tools that consume them:
# every JSON golden with python3's json module, every Prometheus golden
# with promtool, every DOT golden with dot -Tsvg (no warnings allowed), the
# man page with groff -ww (and mandoc -Tlint when present).  Then the
# behaviour that goldens cannot show: colour only on a terminal and never
# with NO_COLOR, the watch loop, reset, --root with a trailing slash, help
# and version.  A missing validator is a SKIP with a message, counted
# apart, not a pass; with CI=true it is a failure (selftests/vm/deps.sh
# installs every one).  Prints "validate: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=$(realpath "$1")
TMP=$(mktemp -d /tmp/tcpfsm-validate.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
skipped=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [validate] $*"
}
# skip PACKAGE WHY: the Debian package whose absence stops a check.
skip() {
	if [ "${CI:-}" = true ]; then
		bad "$2 (CI=true, and Debian package $1 is not installed)"
	else
		skipped=$((skipped + 1))
		echo "SKIP [validate] $2"
	fi
}
export TCPFSM_NOW_NS=3600000000000

# JSON
if command -v python3 >/dev/null; then
	for f in tests/golden/*.json.out; do
		if python3 -m json.tool "$f" >/dev/null 2>"$TMP/err"; then ok; else bad "$f: $(cat "$TMP/err")"; fi
	done
else
	skip python3 "python3 not found: JSON goldens not validated"
fi

# Prometheus
if command -v promtool >/dev/null; then
	for f in tests/golden/*.prometheus.out; do
		if promtool check metrics <"$f" >"$TMP/err" 2>&1; then ok; else bad "$f: $(cat "$TMP/err")"; fi
	done
else
	skip prometheus "promtool not found: metrics not validated"
fi

# Graphviz
if command -v dot >/dev/null; then
	for f in tests/golden/*.dot.out; do
		if dot -Tsvg "$f" -o "$TMP/out.svg" 2>"$TMP/err" && [ ! -s "$TMP/err" ] &&
			grep -q '<svg' "$TMP/out.svg"; then
			ok
		else
			bad "$f: dot says: $(cat "$TMP/err")"
		fi
	done
else
	skip graphviz "dot not found: DOT output not rendered"
fi

# Man page
if command -v groff >/dev/null; then
	if groff -man -Tutf8 -ww -z tcpfsm.8 2>"$TMP/err" && [ ! -s "$TMP/err" ]; then
		ok
	else
		bad "tcpfsm.8: groff warnings: $(cat "$TMP/err")"
	fi
	if MANWIDTH=80 man --warnings -l tcpfsm.8 >"$TMP/man.txt" 2>"$TMP/err" &&
		[ ! -s "$TMP/err" ] && grep -q 'prometheus' "$TMP/man.txt"; then
		ok
	else
		bad "man -l tcpfsm.8: $(head -5 "$TMP/err")"
	fi
else
	skip groff-base "groff not found: man page not checked"
fi
if command -v mandoc >/dev/null; then
	if mandoc -Tlint -Wwarning tcpfsm.8 >"$TMP/err" 2>&1; then ok; else bad "mandoc -Tlint: $(cat "$TMP/err")"; fi
else
	skip mandoc "mandoc not found: mandoc -Tlint not run (groff -ww was)"
fi
# every command of --help is in the man page
for c in summary states transitions log watch table explain dot prometheus lifecycle dwell netns reset; do
	if "$BIN" --help | grep -q "^  .*$c" && grep -q "^\.B $c\|^\.BR $c\|^$c" tcpfsm.8; then
		ok
	else
		bad "command $c missing from --help or tcpfsm.8"
	fi
done

# Colour: only on a terminal, never with NO_COLOR (any value, even empty)
if command -v script >/dev/null; then
	tty_run() { script -qec "$1" /dev/null </dev/null; }
	tty_run "env -u NO_COLOR LC_ALL=C '$BIN' --root tests/fixtures/basic" >"$TMP/tty" 2>&1
	if grep -q $'\033\\[' "$TMP/tty"; then ok; else bad "no colour on a terminal"; fi
	tty_run "env NO_COLOR= LC_ALL=C '$BIN' --root tests/fixtures/basic" >"$TMP/tty" 2>&1
	if ! grep -q $'\033\\[' "$TMP/tty" && grep -q 'TCP sockets now' "$TMP/tty"; then
		ok
	else
		bad "colour on a terminal despite NO_COLOR (empty)"
	fi
	tty_run "env NO_COLOR=1 LC_ALL=C.UTF-8 '$BIN' --root tests/fixtures/basic" >"$TMP/tty" 2>&1
	if ! grep -q $'\033\\[' "$TMP/tty" && grep -q '█' "$TMP/tty"; then
		ok
	else
		bad "NO_COLOR=1 with UTF-8: expected block bars and no colour"
	fi
	tty_run "env -u NO_COLOR LC_ALL=C '$BIN' --root tests/fixtures/basic watch -n 2 -i 0.05" \
		>"$TMP/tty" 2>&1
	if grep -q $'\033\\[H\033\\[2J' "$TMP/tty"; then ok; else bad "watch does not clear a terminal"; fi
else
	skip bsdutils "script(1) not found: terminal colour not checked"
fi
env -u NO_COLOR "$BIN" --root tests/fixtures/basic >"$TMP/out"
if ! grep -q $'\033' "$TMP/out"; then ok; else bad "colour written to a pipe"; fi

# watch without a terminal: N frames, no screen clearing, exit 0
start=$(date +%s%N)
"$BIN" --root tests/fixtures/basic watch -n 3 -i 0.1 >"$TMP/out" 2>"$TMP/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" = 0 ] && [ "$(grep -c '^tcpfsm watch' "$TMP/out")" = 3 ] &&
	grep -q 'frame 3' "$TMP/out" && ! grep -q $'\033' "$TMP/out" && [ "$ms" -ge 190 ]; then
	ok
else
	bad "watch -n 3 -i 0.1: exit $rc, ${ms} ms: $(head -3 "$TMP/err")"
fi
"$BIN" --root tests/fixtures/basic --json watch -n 2 -i 0.05 >"$TMP/out"
if python3 -c 'import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; assert len(d)==2 and d[0]["elapsed_s"] is None and d[1]["elapsed_s"] > 0' "$TMP/out"; then
	ok
else
	bad "watch --json: $(head -c 300 "$TMP/out")"
fi
# SIGINT ends watch with 0
"$BIN" --root tests/fixtures/basic watch -i 5 >/dev/null &
wpid=$!
sleep 0.3
kill -INT "$wpid"
wait "$wpid"
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "watch after SIGINT: exit $rc"; fi

# reset writes "reset" to control, and only there
cp -r tests/fixtures/basic "$TMP/root"
if "$BIN" --root "$TMP/root" reset >"$TMP/out" && [ "$(cat "$TMP/root/control")" = reset ] &&
	diff -r -x control tests/fixtures/basic "$TMP/root" >/dev/null; then
	ok
else
	bad "reset did not write exactly 'reset\\n' to control"
fi

# --root DIR/ is DIR
"$BIN" --root tests/fixtures/basic/ >"$TMP/a"
"$BIN" --root tests/fixtures/basic >"$TMP/b"
if cmp -s "$TMP/a" "$TMP/b"; then ok; else bad "--root with a trailing slash differs"; fi

# help and version
if "$BIN" --version | grep -qx 'tcpfsm [0-9.]* (reads debugfs format 1)'; then ok; else bad "--version"; fi
if "$BIN" --help | grep -q '^Usage: tcpfsm' && "$BIN" help >/dev/null; then ok; else bad "--help"; fi

# the binary needs nothing beyond libc
if command -v ldd >/dev/null; then
	libs=$(ldd "$BIN" | awk '{print $1}' | grep -vE '^(linux-vdso|/lib.*/ld-linux|libc\.so)' || true)
	if [ -z "$libs" ]; then ok; else bad "linked against more than libc: $libs"; fi
fi

echo "validate: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
