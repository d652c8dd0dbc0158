#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tool_test.sh - the tcpfsm reader against the live module, in the guest.
#
# Prints TAP.  Every view is compared with the module's files it reads;
# every command's exit status is checked; the kernel log is checked after
# every test (selftests/vm/jobs/kernel-log-check, with the patterns the C
# tests use).  The JSON, Prometheus and DOT outputs, and the debugfs files
# read just before them, are also emitted as artifacts ("=== ARTIFACT
# name" ... "=== END name") that the host checks with python3, promtool
# and dot (selftests/vm/artifacts.sh): the JSON against the files.
KO=${TCPFSM_KO:-/lib/tcpfsm/tcpfsm.ko}
KLOG=${TCPFSM_JOBS:-/jobs}/kernel-log-check
D=/sys/kernel/debug/tcpfsm
T=$(mktemp -d)
n=0
failed=0
mark=$("$KLOG" mark)

# ok STATUS DESCRIPTION: one TAP line; a kernel log problem since the
# previous test fails this one.
ok() {
	n=$((n + 1))
	status=$1
	"$KLOG" since "$mark" "test $n ($2)" || status=1
	mark=$("$KLOG" mark)
	if [ "$status" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

# Nothing after this can mean anything: report, plan, stop.
bail() {
	ok 1 "$1"
	echo "Bail out! $1"
	echo "1..$n"
	rm -rf "$T"
	exit 1
}

artifact() {
	echo "=== ARTIFACT $1"
	cat "$2"
	echo "=== END $1"
}

# The data rows of a debugfs file, or of the tool's listing, as
# single-space separated fields.
rows() {
	grep -v '^#' "$1" | tr -s ' ' | sed 's/ $//'
}

# same A B: the two files are equal and not empty; else show the difference.
same() {
	if [ -s "$1" ] && cmp -s "$1" "$2"; then
		return 0
	fi
	echo "# expected ($1), $(wc -l < "$1") lines; got ($2), $(wc -l < "$2") lines:"
	diff "$1" "$2" | head -n 20 | sed 's/^/#   /'
	return 1
}

# at_rest CMD...: run CMD again, five times at most, until the states file
# reads the same before and after it, so that the files CMD read and the
# views it printed show one moment.  The traffic has stopped, but each of
# its time-wait socks leaves 60 s after it entered: on a slow kernel,
# while these views are read.  Returns CMD's status.
at_rest() {
	try=1
	while :; do
		cat $D/states > "$T/rest.before"
		"$@"
		status=$?
		cat $D/states > "$T/rest.after"
		if cmp -s "$T/rest.before" "$T/rest.after" || [ $try = 5 ]; then
			return $status
		fi
		try=$((try + 1))
	done
}

# read_files "FILES": each debugfs FILE into $T/FILE.file; fails if one
# cannot be read.
read_files() {
	read_status=0
	for f in $1; do
		cat "$D/$f" > "$T/$f.file" || read_status=1
	done
	return $read_status
}

# view_once OUT "FILES" ARGS...: the FILES (read_files), then "tcpfsm ARGS"
# into $T/OUT; view does it at rest.  The tool's status.
view_once() {
	out=$1
	read_files "$2"
	shift 2
	tcpfsm "$@" > "$T/$out"
}
view() {
	at_rest view_once "$@"
}

# The count of TCP FROM -> TO in transitions file $1 (0 if absent).
count_of() {
	awk -v f="$2" -v t="$3" '$1 == "TCP" && $2 == f && $3 == t { c = $4 }
		END { print c + 0 }' "$1"
}

echo "TAP version 13"

# nap SECONDS: sleep, TCPFSM_SLOW times longer on a slow kernel.
nap() {
	sleep "$(echo "$1 ${TCPFSM_SLOW:-1}" | awk '{ print $1 * $2 }')"
}

insmod "$KO" inject=1 dwell=1 || bail "insmod tcpfsm inject=1 dwell=1"
tcpfsm-traffic -n 1 >"$T/traffic" 2>&1
ok $? "traffic generator runs every scenario"
echo "TCP ESTABLISHED SYN_SENT 192.0.2.1:80 192.0.2.2:4242" > $D/inject
ok $? "an illegal transition is injected"
# Let the last FINs and ACKs land: only time-wait timers move the files now.
nap 0.5

# Live numbers equal the files they come from, each read with the view.
view transitions.tool transitions transitions --list
ok $? "transitions --list exits 0"
rows "$T/transitions.file" > "$T/a"
tail -n +2 "$T/transitions.tool" | tr -s ' ' | sed 's/ $//' > "$T/b"
same "$T/a" "$T/b"
ok $? "transitions --list equals the debugfs file"

view states.tool states states
ok $? "states exits 0"
# PROTO STATE CURRENT ENTERED EXITED, with the tool's RFC-name column dropped.
rows "$T/states.file" > "$T/a"
awk 'NR > 1 && NF == 6 { print $1, $2, $4, $5, $6 }' "$T/states.tool" > "$T/b"
same "$T/a" "$T/b" && [ "$(grep -c '^TCP ' "$T/a")" -ge 11 ]
ok $? "states equals the debugfs file, every TCP state listed"

view summary "states stats"
ok $? "summary exits 0"
# The gauges of "TCP sockets now", and the totals line.
awk '/^TCP sockets now/ { on = 1; next } on && NF == 0 { on = 0 }
	on { print $1, $3 }' "$T/summary" > "$T/b"
awk '$1 == "TCP" && $2 != "NEW_SYN_RECV" && $2 != "BOUND_INACTIVE" { print $2, $3 }' \
	"$T/states.file" | sort > "$T/a"
sort "$T/b" > "$T/c"
same "$T/a" "$T/c"
ok $? "summary shows the gauges of the states file"
stat() { awk -v k="$1" '$1 == k { print $2 }' "$T/stats.file"; }
grep -qx "Totals: events $(stat events), illegal $(stat illegal), unknown_state $(stat unknown_state), log_dropped $(stat log_dropped)" \
	"$T/summary"
ok $? "summary totals equal the stats file"
grep -q '192.0.2.1:80 -> 192.0.2.2:4242 ESTABLISHED -> SYN_SENT injected' "$T/summary"
ok $? "summary shows the injected record"

# The table: every pair of the table file with its verdict and flags, and
# SEEN as counted in transitions ('*' where it is not zero).
view table.tool "table transitions" table
ok $? "table exits 0"
awk 'NF >= 9 && ($3 == "->" || $2 == "->") {
		star = $1 == "*"
		if (star) { $1 = ""; $0 = $0 }
		if ($2 != "->" || $5 != "->") next
		print $1, $3, $7, $8, $9, star
	}' "$T/table.tool" | sort > "$T/b"
rows "$T/table.file" | while read -r from to verdict flags reason; do
	seen=$(count_of "$T/transitions.file" "$from" "$to")
	echo "$from $to $verdict $flags $seen $([ "$seen" -gt 0 ] && echo 1 || echo 0)"
done | sort > "$T/a"
same "$T/a" "$T/b"
ok $? "table lists the table file's pairs, verdicts, flags and counts"

# lifecycle: the KERNEL pair and COUNT of every row.
view lifecycle.tool lifecycle lifecycle
ok $? "lifecycle exits 0"
rows "$T/lifecycle.file" | sort > "$T/a"
awk '$2 == "->" && $5 == "->" && $7 ~ /^[0-9]+$/ { print $1, $3, $7 }' \
	"$T/lifecycle.tool" | sort > "$T/b"
same "$T/a" "$T/b"
ok $? "lifecycle equals the debugfs file"

# dwell: per state the number of exits, and every non-empty bucket
# ("lo -> hi : count" is the file's BUCKET_US = hi + 1).
view dwell.tool dwell dwell
ok $? "dwell exits 0"
awk '$1 == "TCP" && $3 == "count" { print $2, "exits", $4; next }
	$1 == "TCP" && $3 != "sum_us" { print $2, $3, $4 }' "$T/dwell.file" | sort > "$T/a"
# "TCP STATE: N exits, mean X s" ("1 exit,"), then "lo -> hi : count" rows.
awk '$1 == "TCP" && ($4 == "exits," || $4 == "exit,") { state = $2; sub(/:$/, "", state); print state, "exits", $3; next }
	$2 == "->" && $4 == ":" && $5 > 0 { print state, $3 + 1, $5 }' "$T/dwell.tool" | sort > "$T/b"
same "$T/a" "$T/b" && [ "$(grep -c ' exits ' "$T/a")" -gt 0 ]
ok $? "dwell equals the debugfs file"

# netns: every row of every namespace ("other" included).
view netns.tool netns netns
ok $? "netns exits 0"
rows "$T/netns.file" | sort > "$T/a"
awk '$1 == "netns" && NF == 2 { ns = $2; next }
	ns != "" && NF == 5 && $1 != "PROTO" { print ns, $1, $2, $3, $4, $5 }' \
	"$T/netns.tool" | sort > "$T/b"
same "$T/a" "$T/b"
ok $? "netns equals the debugfs file"

# log --stack: each record's seq, addresses, states, and its stack frames.
cat $D/illegal > "$T/illegal.file"
tcpfsm log --stack > "$T/log.tool"
ok $? "log --stack exits 0"
grep -v '^#' "$T/illegal.file" | tr ' ' '\n' | awk -F= '
	$1 == "seq" { seq = $2 } $1 == "src" { src = $2 } $1 == "dst" { dst = $2 }
	$1 == "from" { from = $2 } $1 == "to" { to = $2 }
	$1 == "stack" {
		print seq, src, dst, from, to
		n = split($2, f, ",")
		for (i = 1; i <= n; i++) print seq, f[i]
	}' > "$T/a"
awk '/^\[/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^#[0-9]+$/) seq = substr($i, 2)
		e = $NF == "injected" ? NF - 1 : NF
		print seq, $(e - 5), $(e - 3), $(e - 2), $e
		next
	}
	/^        [^ (]/ { print seq, $1 }' "$T/log.tool" > "$T/b"
same "$T/a" "$T/b"
ok $? "log --stack shows every record of the illegal file, frame by frame"

# explain: every live count it prints, from transitions or lifecycle.
view explain.tool "transitions lifecycle states" explain
ok $? "explain exits 0"
awk -v T="$T" '
	$NF == "(lifecycle)" && $(NF - 3) == "->" {
		print "lifecycle", $(NF - 4), $(NF - 2), $(NF - 1); next }
	$NF ~ /^[0-9]+$/ && $(NF - 2) == "->" { print "transitions", $(NF - 3), $(NF - 1), $NF }
	' "$T/explain.tool" > "$T/b"
while read -r src from to cnt; do
	if [ "$src" = lifecycle ]; then
		want=$(awk -v f="$from" -v t="$to" '$1 == f && $2 == t { c = $3 } END { print c + 0 }' \
			"$T/lifecycle.file")
	else
		want=$(count_of "$T/transitions.file" "$from" "$to")
	fi
	echo "$src $from $to $want"
done < "$T/b" > "$T/a"
same "$T/a" "$T/b" && [ "$(wc -l < "$T/b")" -ge 10 ]
ok $? "explain shows the live counts of transitions and lifecycle"
# Its balance: ENTERED - EXITED = X, now CURRENT, as in the states file.
awk '$3 == "-" && $5 == "=" && $7 == "now" { print $1, $2, $4, $8 }' \
	"$T/explain.tool" | sort > "$T/b"
awk '$1 == "TCP" && $3 != "-" && $2 != "NEW_SYN_RECV" && $2 != "BOUND_INACTIVE" {
	print $2, $4, $5, $3 }' "$T/states.file" | sort > "$T/a"
same "$T/a" "$T/b"
ok $? "explain's balance per state equals the states file"
view explain_tw.tool states explain time_wait
ok $? "explain time_wait exits 0"
want=$(awk '$1 == "TCP" && $2 == "TIME_WAIT" {
	printf "Now: %d socket%s in TIME_WAIT; entered %d, exited %d times.\n",
		$3, $3 == 1 ? "" : "s", $4, $5 }' \
	"$T/states.file")
grep -qx "$want" "$T/explain_tw.tool"
ok $? "explain time_wait shows the TIME_WAIT row of the states file ($want)"

# The grid: its totals line against the TCP rows of transitions.
view grid.tool transitions transitions
ok $? "transitions (the grid) exits 0"
want=$(awk '$1 == "TCP" { e += $4; p++; if ($5 == "illegal") i += $4 }
	END { printf "TCP: %d events in %d pairs, %d judged illegal\n", e, p, i }' \
	"$T/transitions.file")
grep -qx "$want" "$T/grid.tool"
ok $? "the grid's totals equal transitions ($want)"

tcpfsm-traffic -4 active_close > "$T/bg" 2>&1 &
bg=$!
tcpfsm watch -i 0.2 -n 3 > "$T/watch"
ok $? "watch -n 3 exits 0"
wait $bg
ok $? "traffic during watch runs its scenario"
[ "$(grep -c '^tcpfsm watch .* frame [123]$' "$T/watch")" = 3 ]
ok $? "watch refreshed three times"

# log -f sees a new record within a second and exits 0 on SIGINT.
tcpfsm log -f > "$T/follow" 2>"$T/follow.err" &
pid=$!
nap 0.3
echo "TCP LAST_ACK ESTABLISHED 198.51.100.7:25 198.51.100.8:31337" > $D/inject
ok $? "a second illegal transition is injected"
seen=1
i=0
while [ $i -lt $((10 * ${TCPFSM_SLOW:-1})) ]; do
	if grep -q 'LAST_ACK -> ESTABLISHED' "$T/follow"; then
		seen=0
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
ok $seen "log -f shows an injected record within a second (TCPFSM_SLOW seconds)"
kill -INT $pid
wait $pid
ok $? "log -f exits 0 on SIGINT"
[ "$(grep -c 'ESTABLISHED -> SYN_SENT' "$T/follow")" = 1 ]
ok $? "log -f printed the older record exactly once"

# Machine-readable outputs, checked on the host against the files they
# read, which go with them (debugfs.*).
nap 0.5
DEBUGFS_FILES="states transitions stats illegal table lifecycle dwell netns"
JSON_COMMANDS="summary states transitions log table explain lifecycle dwell netns"
# The machine-readable outputs, and the files the host checks them against.
view_machine() {
	json_status=0
	read_files "$DEBUGFS_FILES" || json_status=1
	for cmd in $JSON_COMMANDS; do
		tcpfsm --json $cmd > "$T/$cmd.json" || json_status=1
	done
	tcpfsm prometheus > "$T/metrics.prom"
	prom_status=$?
	tcpfsm dot > "$T/tcpfsm.dot"
	dot_status=$?
}
at_rest view_machine
for f in $DEBUGFS_FILES; do
	artifact "debugfs.$f" "$T/$f.file"
done
for cmd in $JSON_COMMANDS; do
	artifact "$cmd.json" "$T/$cmd.json"
done
ok $json_status "--json works on every read command"
ok $prom_status "prometheus exits 0"
artifact metrics.prom "$T/metrics.prom"
# Every transition counter and every gauge, as in the files.
awk '$1 == "TCP" || $1 == "MPTCP" || $1 == "DCCP" || $1 == "SCTP" || $1 == "OTHER" {
	printf "tcpfsm_transitions_total{proto=\"%s\",from=\"%s\",to=\"%s\",verdict=\"%s\"} %s\n",
		$1, $2, $3, $5, $4 }' "$T/transitions.file" | sort > "$T/a"
grep '^tcpfsm_transitions_total{' "$T/metrics.prom" | sort > "$T/b"
same "$T/a" "$T/b"
ok $? "prometheus transition counters equal the transitions file"
awk '$1 == "TCP" && $3 != "-" {
	printf "tcpfsm_sockets{proto=\"TCP\",state=\"%s\"} %s\n", $2, $3 }' \
	"$T/states.file" | sort > "$T/a"
grep '^tcpfsm_sockets{' "$T/metrics.prom" | sort > "$T/b"
same "$T/a" "$T/b"
ok $? "prometheus gauges equal the states file"
ok $dot_status "dot exits 0"
artifact tcpfsm.dot "$T/tcpfsm.dot"
# Each edge's label is the lifecycle count of its pair.
awk '$2 == "->" && /label="[0-9]+"/ {
	match($0, /label="[0-9]+"/); print $1, $3, substr($0, RSTART + 7, RLENGTH - 8) }' \
	"$T/tcpfsm.dot" | awk '$3 > 0' | sort > "$T/b"
rows "$T/lifecycle.file" | sort > "$T/a"
same "$T/a" "$T/b"
ok $? "dot edges carry the lifecycle counts"

tcpfsm reset > "$T/reset"
ok $? "reset exits 0"
[ "$(awk '$1 == "events" { print $2 }' $D/stats)" = 0 ] &&
	[ "$(awk '$1 == "log_records" { print $2 }' $D/stats)" = 0 ] &&
	[ -z "$(rows $D/transitions)" ]
ok $? "reset zeroes the counters and empties the log"

# Clear errors: not root, module not loaded.
su nobody -s /bin/sh -c 'tcpfsm states' > "$T/err" 2>&1
[ $? = 4 ] && grep -qi 'root\|permission' "$T/err"
ok $? "a non-root user gets exit 4 and is told to be root"
rmmod tcpfsm
ok $? "rmmod tcpfsm"
tcpfsm states > "$T/err" 2>&1
[ $? = 3 ] && grep -q 'not loaded' "$T/err"
ok $? "without the module: exit 3 and how to load it"

rm -rf "$T"
echo "1..$n"
exit $failed
