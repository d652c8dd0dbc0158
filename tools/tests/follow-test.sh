#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# follow-test.sh TCPFSM - "tcpfsm log -f" against a directory whose files
# are replaced atomically (write a temporary file, rename it) the way a
# reader would see the module change them: new records are printed once,
# a wrapped log is reported with the number of records lost, a log that is
# rewritten without log_next_seq moving is not re-read, a module reload
# (log_next_seq going back) restarts from the new log, and SIGINT/SIGTERM
# end it with exit 0 quickly.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=$(realpath "$1")
TMP=$(mktemp -d /tmp/tcpfsm-follow.XXXXXX)
R=$TMP/root
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
pass=0
fail=0
# a sanitizer build reports through the exit code, which must be 0
export ASAN_OPTIONS=exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [follow] $*"
	echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"
}

# put FILE CONTENT: replace $R/FILE atomically
put() {
	printf '%s' "$2" >"$R/.$1.tmp"
	mv "$R/.$1.tmp" "$R/$1"
}

# set_log NEXT SEQ... : the log holds SEQ..., stats says log_next_seq NEXT
set_log() {
	local next=$1 s body="# tcpfsm illegal format 1"$'\n'
	shift
	for s in "$@"; do
		body+="seq=$s ts_ns=$((1000000000 * s + 7)) cpu=0 pid=$((100 + s)) comm=t$s "
		body+="ctx=softirq netns=4026531840 uid=0 cgroup=1 proto=TCP family=inet "
		body+="src=127.0.0.1:$((40000 + s)) dst=127.0.0.1:80 from=FIN_WAIT2 to=CLOSE "
		body+="injected=0 stack=tcp_set_state+0x9d/0x1e0,tcp_done+0x27/0x90"$'\n'
	done
	put illegal "$body"
	set_next "$next" "$#"
}

set_next() {
	put stats "# tcpfsm stats format 1
version 1.0.0
events 100
illegal $2
unknown_state 0
log_records $2
log_dropped 0
log_size 4
log_next_seq $1
strict 1
"
}

# wait_for FILE PATTERN COUNT : until PATTERN matches COUNT lines (5 s max)
wait_for() {
	local i
	for i in $(seq 100); do
		[ "$(grep -cE "$2" "$1")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

seqs() { sed -n 's/.*] #\([0-9]*\) .*/\1/p' "$TMP/out" | tr '\n' ' '; }

mkdir -p "$R"
: >"$TMP/out"
: >"$TMP/err"
set_log 4 1 2 3
"$BIN" --root "$R" log -f >"$TMP/out" 2>"$TMP/err" &
PID=$!

if wait_for "$TMP/out" ' #[0-9]+ ' 3 && [ "$(seqs)" = "1 2 3 " ]; then ok; else bad "initial records"; fi

set_log 6 2 3 4 5
if wait_for "$TMP/out" ' #[0-9]+ ' 5 && [ "$(seqs)" = "1 2 3 4 5 " ]; then ok; else bad "new records"; fi

# the log wraps: 6, 7 and 8 were overwritten before we could read them
set_log 13 9 10 11 12
if wait_for "$TMP/out" ' #[0-9]+ ' 9 && [ "$(seqs)" = "1 2 3 4 5 9 10 11 12 " ] &&
	grep -q '\.\.\. 3 records lost (log wrapped)' "$TMP/err"; then ok; else bad "wrap"; fi

# the same files again: nothing new may be printed
set_log 13 9 10 11 12
sleep 0.5
if [ "$(seqs)" = "1 2 3 4 5 9 10 11 12 " ]; then ok; else bad "duplicates"; fi

# a record appears but log_next_seq has not moved: the log is not re-read
body=$(cat "$R/illegal")
put illegal "$body
seq=13 ts_ns=13000000007 cpu=0 pid=113 comm=t13 ctx=softirq netns=4026531840 uid=0 cgroup=1 proto=TCP family=inet src=127.0.0.1:40013 dst=127.0.0.1:80 from=FIN_WAIT2 to=CLOSE injected=0 stack=-
"
sleep 0.5
if [ "$(seqs)" = "1 2 3 4 5 9 10 11 12 " ]; then ok; else bad "re-read without log_next_seq change"; fi
set_next 14 5
if wait_for "$TMP/out" ' #[0-9]+ ' 10 && [ "$(seqs)" = "1 2 3 4 5 9 10 11 12 13 " ]; then
	ok
else
	bad "record after log_next_seq moved"
fi

# the module is unloaded, then loaded again: log_next_seq starts over
rm "$R/stats" "$R/illegal"
if wait_for "$TMP/err" 'stats is gone' 1; then ok; else bad "unload not reported"; fi
set_log 3 1 2
if wait_for "$TMP/out" ' #[0-9]+ ' 12 && [ "$(seqs)" = "1 2 3 4 5 9 10 11 12 13 1 2 " ] &&
	grep -q 'log_next_seq went back from 14 to 3' "$TMP/err"; then ok; else bad "reload"; fi

# SIGINT: exit 0 within a second
kill -INT "$PID"
for i in $(seq 20); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$PID" 2>/dev/null; then
	bad "still running 1 s after SIGINT"
else
	wait "$PID"
	rc=$?
	if [ "$rc" = 0 ]; then ok; else bad "exit $rc after SIGINT"; fi
fi
PID=

# --json: one JSON document per record, and SIGTERM
set_log 5 1 2 3 4
"$BIN" --root "$R" --json log -f >"$TMP/out" 2>"$TMP/err" &
PID=$!
if wait_for "$TMP/out" '"seq"' 4 &&
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/out"; then
	ok
else
	bad "--json -f"
fi
kill -TERM "$PID"
for i in $(seq 20); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$PID" 2>/dev/null; then
	bad "still running 1 s after SIGTERM"
else
	wait "$PID"
	rc=$?
	if [ "$rc" = 0 ]; then ok; else bad "exit $rc after SIGTERM"; fi
fi
PID=

# start on an empty log that has handed out 56 records: nothing is "lost"
set_log 57
"$BIN" --root "$R" log -f >"$TMP/out" 2>"$TMP/err" &
PID=$!
sleep 0.3
set_log 59 57 58
if wait_for "$TMP/out" ' #[0-9]+ ' 2 && [ "$(seqs)" = "57 58 " ] && [ ! -s "$TMP/err" ]; then
	ok
else
	bad "start on an empty log"
fi
kill -INT "$PID"
wait "$PID"
PID=

# start on a log that wrapped before: a note, not a loss
set_log 9 5 6 7 8
"$BIN" --root "$R" log -f >"$TMP/out" 2>"$TMP/err" &
PID=$!
if wait_for "$TMP/out" ' #[0-9]+ ' 4 && [ "$(seqs)" = "5 6 7 8 " ] &&
	grep -q 'records before #5 were overwritten' "$TMP/err" && ! grep -q lost "$TMP/err"; then
	ok
else
	bad "start on a wrapped log"
fi
kill -INT "$PID"
wait "$PID"
PID=

# nothing to follow: an error at once
"$BIN" --root "$TMP/none" log -f >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" = 3 ] && grep -q 'No such file or directory' "$TMP/err"; then ok; else bad "missing root: exit $rc"; fi

echo "log -f: $pass passed, $fail failed"
[ "$fail" = 0 ]
