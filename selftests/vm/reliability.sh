#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# reliability.sh OUT STATUS SECONDS COMMIT - docs/RELIABILITY.md, on stdout, from
# the output OUT of make check-debug's guest job (jobs/debug-checks):
# the kernel and its checkers, what each test program ran, the figures of
# the stress campaign (its "# stress: TEST key=value ..." lines), and
# every report the checkers made.  STATUS is the run's exit status,
# SECONDS its length, COMMIT what it tested (taken when it started).  Nothing here is typed in by hand but the prose.
set -eu

out=$1
status=$2
seconds=$3
here=$(cd "$(dirname "$0")" && pwd)

[ -r "$out" ] || { echo "reliability.sh: no output $out" >&2; exit 1; }
clean=$(mktemp)
trap 'rm -f "$clean"' EXIT
sed 's/\r$//' "$out" > "$clean"

kernel=$(sed -n 's/^# tcpfsm: features kernel=\([^ ]*\).*/\1/p' "$clean" | head -n 1)
commit=$4
verdict="passed"
[ "$status" = 0 ] || verdict="FAILED"
if ! grep -q '^# tcpfsm: ran [0-9]* test programs' "$clean"; then
	last=$(sed -n 's/^#  RUN  *\([^ ]*\) .*/\1/p' "$clean" | tail -n 1)
	verdict="INCOMPLETE: the run ended during ${last:-its start}"
fi

cat <<EOF
# Reliability

Written by \`make check-debug\` from its own run; do not edit (see
[internals](internals.md#how-the-tests-check-the-numbers) for how each
test checks what it checks).

* Run: $(date -u +%Y-%m-%d), commit $commit, $((seconds / 60)) min under TCG
  on $(nproc) host CPUs. Result: **$verdict**.
* Kernel: \`${kernel:-unknown}\`, Debian's linux-source-6.12 built by
  \`selftests/vm/debug-kernel.sh\` (why 6.12: see that script).

## Checkers

Every report from any of them fails the run: the kernel log is checked
against \`selftests/vm/jobs/kernel-log-patterns\` after every test of every
program, after every program, and for boot and the whole run; kmemleak is
scanned after every program and once more after the suite, with the module
unloaded.

| options | what they catch |
|---|---|
EOF
# The checkers: the options of debug.config, grouped by what they catch.
awk '
	function add(what, opt) {
		if (!(what in opts)) order[++n] = what
		opts[what] = opts[what] (opts[what] == "" ? "" : ", ") "`" opt "`"
	}
	/^CONFIG_[A-Z0-9_]+=y$/ {
		o = $0; sub(/^CONFIG_/, "", o); sub(/=y$/, "", o)
		if (o ~ /^KASAN/) add("out-of-bounds and use-after-free (generic KASAN, inline, vmalloc too)", o)
		else if (o == "SLUB_RCU_DEBUG") add("use after free of RCU-freed objects (sockets)", o)
		else if (o == "KFENCE") add("sampled out-of-bounds and use-after-free, with guard pages", o)
		else if (o ~ /^PROVE_/) add("lock order, IRQ safety, RCU usage; PREEMPT_RT lock nesting (lockdep)", o)
		else if (o ~ /^DEBUG_(ATOMIC_SLEEP|PREEMPT)$/) add("sleeping in atomic context; per-CPU access where the task may migrate", o)
		else if (o ~ /^DEBUG_(OBJECTS|LIST)/) add("timers, work, RCU heads, percpu counters misused; list corruption", o)
		else if (o == "DEBUG_KMEMLEAK") add("leaks (scanned by the test runner only)", o)
		else if (o ~ /^UBSAN/) add("array bounds and shifts", o)
		else if (o ~ /FAIL|FAULT_INJECTION/) add("allocation failures, aimed at the module by stress_test", o)
	}
	END { for (i = 1; i <= n; i++) printf "| %s | %s |\n", opts[order[i]], order[i] }
' "$here/debug/debug.config"

cat <<EOF

## The suite

| program | passed | failed | skipped |
|---|---|---|---|
EOF
awk '
	/^# tcpfsm: running / {
		name = $4; sub(/.*\//, "", name)
		order[++n] = name; p[name] = x[name] = s[name] = 0; next
	}
	/^# tcpfsm: .* exited with / { name = ""; next }
	name == "" { next }
	/^ok [0-9]+ .*# SKIP/ { s[name]++; next }
	/^ok [0-9]+/ { p[name]++; next }
	/^not ok [0-9]+/ { x[name]++; next }
	END { for (i = 1; i <= n; i++) printf "| %s | %d | %d | %d |\n", order[i], p[order[i]], x[order[i]], s[order[i]] }
' "$clean"
sed -n 's/^ok [0-9]* \([^ ]*\) # SKIP \(.*\)/* skipped: `\1`: \2/p' "$clean"
# Each failed test with what it printed: the assertions of a C test, the
# lines of the difference ("# expected ...") of tool_test.sh.
awk '
	/^# tcpfsm: running / { prog = $4; sub(/.*\//, "", prog); n = 0; next }
	/^#  RUN / || /^ok [0-9]+ / { n = 0; next }
	/^# [a-z_]*\.c:[0-9]+:/ { if (n < 4) msg[n++] = substr($0, 3); next }
	/^#   [-+][^-+]/ { if (n < 4) msg[n++] = substr($0, 5); next }
	/^not ok [0-9]+ / {
		name = $0; sub(/^not ok [0-9]+ /, "", name)
		if (prog ~ /\.sh$/)
			name = prog ": " name
		printf "* failed: `%s`", name
		for (i = 0; i < n; i++)
			printf "%s `%s`", i ? ";" : ":", msg[i]
		print ""
		n = 0
	}' "$clean"

cat <<EOF

## The stress campaign

Each line is what the test itself counted (\`selftests/stress_test.c\`).

| test | figures |
|---|---|
EOF
awk '/^# stress: / {
	figures = $4
	for (i = 5; i <= NF; i++)
		figures = figures ", " $i
	printf "| %s | %s |\n", $3, figures
}' "$clean"

cat <<EOF

## Reports

EOF
reports=$(grep -E '^# (kernel log|kmemleak|dmesg): |^# the kernel log shows|^# kmemleak reports' "$clean" || true)
if [ -z "$reports" ]; then
	echo "None: no checker reported anything in this run."
	sed -n 's/^# tcpfsm: \(kmemleak: .*\)/* \1/p; s/^# tcpfsm: \(kernel log: .*\)/* \1/p' "$clean"
else
	echo "The checkers reported (the run fails on each):"
	echo
	echo '```'
	echo "$reports" | head -n 200
	echo '```'
fi

cat <<'EOF'

## Found while this campaign was built, and fixed

| report | cause | fix |
|---|---|---|
| KASAN: stack-out-of-bounds read in `tcpfsm_parse_endpoint()` (hostile_input) | `in6_pton()` stops at the end of the string as well as at `]`; the code then read the byte after the terminating NUL | the parser requires the `]` it stopped at (`module/tcpfsm_inject.c`) |
| fault_injection: loads that failed with `-ENOMEM` and said nothing | allocation failures returned without a message | every allocation that can fail names itself, and a failed load prints `tcpfsm: not loaded: <part> could not be set up (error N)` |
| fault_injection: loads that succeeded with debugfs files missing | `debugfs_create_file()` failures were ignored | a missing file fails the load and the directory is removed (`tcpfsm_debugfs_file()`) |
| depth_test `gauges_seeded_under_churn`: `seed_uncertain` 2 after a load under churn (no checker: the test's own exact check) | the seeding walk waited for the sockets it found busy one after another, one second for all of them, and this kernel holds a socket's lock far longer than a production one | the busy sockets are tried in rounds, so the wait is that of the longest hold, bounded at ten seconds per walk (`tcpfsm_seed_settle()`) |
| tool_test.sh `summary shows the gauges of the states file` and `explain's balance per state`: TIME_WAIT 2 in the file, 0 in the view (no checker: the test's own exact comparison) | the test compared views with files read several views earlier, and on this kernel the traffic's time-wait sockets expire (60 s) between the two readings | each view is compared with files read just before it, and is taken again until the states file is the same before and after (`at_rest` in `selftests/tool_test.sh`) |
| depth_test `timewait_reused_by_connect`: no TIME_WAIT in /proc/net/tcp 100 ms after the server's `close()` (no checker: the test's own check) | the test slept a fixed 100 ms for the server's FIN to reach the client, whose time-wait sock stays in substate FIN_WAIT2 until then; on this kernel it had not arrived 100 ms after the close | the test polls /proc/net/tcp for the time-wait socks it expects, five seconds at most (`wait_proc_timewait()` in `selftests/depth_test.c`) |
EOF
