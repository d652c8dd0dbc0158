#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tool_test.sh - the tcpfsm reader against the live module, in the guest.
#
# Prints TAP.  The JSON, Prometheus and DOT outputs are also emitted as
# artifacts ("=== ARTIFACT name" ... "=== END name") that the host checks
# with python3 -m json.tool, promtool and dot (selftests/vm/artifacts.sh).
KO=${TCPFSM_KO:-/lib/tcpfsm/tcpfsm.ko}
D=/sys/kernel/debug/tcpfsm
T=$(mktemp -d)
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
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

echo "TAP version 13"

insmod "$KO" inject=1 dwell=1
tcpfsm-traffic -n 1 >"$T/traffic" 2>&1
ok $? "traffic generator runs every scenario"
echo "TCP ESTABLISHED SYN_SENT 192.0.2.1:80 192.0.2.2:4242" > $D/inject
sleep 0.5

# Live numbers equal the files they come from.
cat $D/transitions > "$T/transitions.file"
tcpfsm transitions --list > "$T/transitions.tool"
ok $? "transitions --list exits 0"
rows "$T/transitions.file" > "$T/a"
tail -n +2 "$T/transitions.tool" | tr -s ' ' | sed 's/ $//' > "$T/b"
cmp -s "$T/a" "$T/b" && [ -s "$T/a" ]
ok $? "transitions --list equals the debugfs file"

cat $D/states > "$T/states.file"
tcpfsm states > "$T/states.tool"
ok $? "states exits 0"
# PROTO STATE CURRENT ENTERED EXITED, with the tool's RFC-name column dropped.
rows "$T/states.file" > "$T/a"
awk 'NR > 1 && NF == 6 { print $1, $2, $4, $5, $6 }' "$T/states.tool" > "$T/b"
cmp -s "$T/a" "$T/b"
ok $? "states equals the debugfs file"

tcpfsm > "$T/summary"
ok $? "summary exits 0"
grep -q 'ESTABLISHED -> SYN_SENT' "$T/summary"
ok $? "summary shows the injected record"

# The other views run on live data too.
status=0
for cmd in "table" "explain" "explain time_wait" "lifecycle" "dwell" "netns" \
	"transitions" "log --stack"; do
	tcpfsm $cmd > "$T/view" 2>&1 || { echo "# tcpfsm $cmd failed"; status=1; }
done
ok $status "table, explain, lifecycle, dwell, netns, grid and log views exit 0"
tcpfsm-traffic -4 active_close &
tcpfsm watch -i 0.2 -n 3 > "$T/watch"
ok $? "watch -n 3 exits 0"
wait
[ "$(grep -c '^tcpfsm watch .* frame [123]$' "$T/watch")" = 3 ]
ok $? "watch refreshed three times"

# log -f sees a new record within a second and exits 0 on SIGINT.
tcpfsm log -f > "$T/follow" 2>"$T/follow.err" &
pid=$!
sleep 0.3
echo "TCP LAST_ACK ESTABLISHED 198.51.100.7:25 198.51.100.8:31337" > $D/inject
seen=1
for i in 1 2 3 4 5 6 7 8 9 10; do
	if grep -q 'LAST_ACK -> ESTABLISHED' "$T/follow"; then
		seen=0
		break
	fi
	sleep 0.1
done
ok $seen "log -f shows an injected record within a second"
kill -INT $pid
wait $pid
ok $? "log -f exits 0 on SIGINT"
[ "$(grep -c 'ESTABLISHED -> SYN_SENT' "$T/follow")" = 1 ]
ok $? "log -f printed the older record exactly once"

# Machine-readable outputs, checked on the host.
status=0
for cmd in summary states transitions log table explain lifecycle dwell netns; do
	tcpfsm --json $cmd > "$T/$cmd.json" || status=1
	artifact "$cmd.json" "$T/$cmd.json"
done
ok $status "--json works on every read command"
tcpfsm prometheus > "$T/metrics.prom"
ok $? "prometheus exits 0"
artifact metrics.prom "$T/metrics.prom"
want=$(awk '$1 == "TCP" && $2 == "CLOSE" && $3 == "SYN_SENT" { print $4 }' $D/transitions)
grep -q "^tcpfsm_transitions_total{proto=\"TCP\",from=\"CLOSE\",to=\"SYN_SENT\",verdict=\"rfc\"} $want\$" "$T/metrics.prom"
ok $? "prometheus counter equals the debugfs count ($want)"
tcpfsm dot > "$T/tcpfsm.dot"
ok $? "dot exits 0"
artifact tcpfsm.dot "$T/tcpfsm.dot"

tcpfsm reset
[ "$(awk '$1 == "events" { print $2 }' $D/stats)" = 0 ]
ok $? "reset zeroes the counters"

# Clear errors: not root, module not loaded.
su nobody -s /bin/sh -c 'tcpfsm states' > "$T/err" 2>&1
[ $? = 4 ] && grep -qi 'root\|permission' "$T/err"
ok $? "a non-root user gets exit 4 and is told to be root"
rmmod tcpfsm
tcpfsm states > "$T/err" 2>&1
[ $? = 3 ] && grep -q 'not loaded' "$T/err"
ok $? "without the module: exit 3 and how to load it"

rm -rf "$T"
echo "1..$n"
exit $failed
