#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# results.sh - count what make check ran, so that it cannot say "passed"
# about less than it was asked to run.  Counts go to DIR/counts, one
# "LABEL PASSED FAILED SKIPPED" line per source.
#
#   results.sh guest OUT DIR [--only LIST] PROGRAM...
#       The guest job's output OUT (selftests/vm/jobs/selftests): every
#       PROGRAM (a test program of /tests) must have run, printed its TAP
#       plan, as many results as planned, and exited 0 exactly when none
#       failed; the job must have finished.  "ok ... # SKIP" is a skip.
#       --only LIST: a partial run (make vmtest ONLY=LIST), said so.
#   results.sh host LABEL LOG DIR
#       A host log: the "NAME: N passed, N failed[, N skipped]" lines of
#       the tools' test scripts and the "# Totals:" lines of kselftest
#       programs, summed.
#   results.sh total DIR STATUS
#       The last line of make check: tests run, passed, failed, skipped,
#       host and guest apart; exits non-zero if STATUS is, or if anything
#       failed or nothing ran.
set -u

die() {
	echo "results.sh: $*" >&2
	exit 2
}

count() {
	echo "$1 $2 $3 $4" >> "$5/counts"
}

guest() {
	out=$1
	dir=$2
	shift 2
	only=
	if [ "${1:-}" = --only ]; then
		only=$2
		shift 2
		echo "only $only" > "$dir/partial"
	fi
	[ -r "$out" ] || {
		echo "guest: no output ($out): the guest did not run"
		count guest 0 1 0 "$dir"
		return 1
	}
	expected=" $* "
	[ -n "$only" ] && [ $# = 0 ] && echo "guest: ONLY=$only names no test program"
	awk -v expected="$expected" -v only="$only" '
		{ sub(/\r$/, "") }
		/^# tcpfsm: running / {
			name = $4; sub(/.*\//, "", name)
			if (!(name in seen)) order[++n] = name
			seen[name] = 1; cur = name; next
		}
		/^# tcpfsm: .* exited with / { rc[cur] = $NF; cur = ""; next }
		/^# tcpfsm: ran [0-9]+ test programs/ { finished = 1; next }
		cur == "" { next }
		/^1\.\.[0-9]+/ && !(cur in plan) { plan[cur] = substr($1, 4) + 0; next }
		/^ok [0-9]+/ {
			if ($0 ~ /# SKIP/) skip[cur]++; else pass[cur]++
			next
		}
		/^not ok [0-9]+/ { fail[cur]++ }
		END {
			bad = 0
			m = split(expected, want, " ")
			for (i = 1; i <= m; i++)
				if (!(want[i] in seen)) {
					printf "guest: %s did not run\n", want[i]
					fail[want[i]] = 1; order[++n] = want[i]; bad = 1
				}
			for (i = 1; i <= n; i++) {
				b = order[i]
				r = pass[b] + fail[b] + skip[b]
				if (!(b in seen)) {
					printf "guest: %s: 0 run, 0 passed, 1 failed, 0 skipped\n", b
					F++
					continue
				}
				if (!(b in rc)) {
					printf "guest: %s did not finish\n", b; bad = 1
				} else if (rc[b] != 0 && !fail[b]) {
					printf "guest: %s exited with %s without a failed test\n", b, rc[b]
					bad = 1
				} else if (rc[b] == 0 && fail[b]) {
					printf "guest: %s exited with 0 despite %d failed tests\n", b, fail[b]
					bad = 1
				}
				if (!(b in plan)) {
					printf "guest: %s printed no TAP plan\n", b; bad = 1
				} else if (plan[b] != r) {
					printf "guest: %s planned %d tests and reported %d\n", b, plan[b], r
					bad = 1
				}
				printf "guest: %s: %d run, %d passed, %d failed, %d skipped\n", \
					b, r, pass[b], fail[b], skip[b]
				P += pass[b]; F += fail[b]; S += skip[b]
			}
			if (!finished) { print "guest: the job did not finish"; bad = 1 }
			if (P + F + S == 0) { print "guest: no test ran"; bad = 1 }
			if (bad && !F) F = 1	# a failure that no TAP line counted
			printf "guest: %d passed, %d failed, %d skipped%s\n", P, F, S, \
				only != "" ? " (PARTIAL: only " only ")" : ""
			printf "%d %d %d\n", P, F, S > "/dev/stderr"
			exit bad
		}' "$out" 2> "$dir/guest.counts"
	status=$?
	read -r p f s < "$dir/guest.counts" || { p=0; f=1; s=0; }
	rm -f "$dir/guest.counts"
	count guest "$p" "$f" "$s" "$dir"
	[ $status = 0 ] && [ "$f" = 0 ]
}

host() {
	label=$1
	log=$2
	dir=$3
	[ -r "$log" ] || die "no log $log"
	set -- $(sed 's/\r$//' "$log" | awk '
		/^# Totals: pass:/ {
			for (i = 3; i <= NF; i++) {
				split($i, kv, ":")
				if (kv[1] == "pass") p += kv[2]
				else if (kv[1] == "skip") s += kv[2]
				else f += kv[2]	# fail, xfail, xpass, error
			}
			next
		}
		match($0, /[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?/) {
			split(substr($0, RSTART, RLENGTH), w, /[ ,]+/)
			p += w[1]; f += w[3]; s += (w[5] == "" ? 0 : w[5])
		}
		END { print p + 0, f + 0, s + 0 }')
	count "$label" "$1" "$2" "$3" "$dir"
	echo "$label: $1 passed, $2 failed, $3 skipped"
	[ "$2" = 0 ]
}

total() {
	dir=$1
	status=$2
	[ -r "$dir/counts" ] || { echo "make check: FAILED: nothing was counted"; return 1; }
	awk -v status="$status" -v partial="$(cat "$dir/partial" 2>/dev/null)" '
		{ P += $2; F += $3; S += $4; part[$1 == "guest" ? "guest" : "host"] += $2 + $3 + $4 }
		END {
			run = P + F + S
			sub(/^only /, "", partial)
			detail = sprintf("host %d, guest %d%s", part["host"], part["guest"],
				partial != "" ? "; PARTIAL: guest tests of ONLY=" partial " only" : "")
			ok = !F && !status && run > 0 && part["guest"] > 0 && part["host"] > 0
			printf "make check: %s: %d tests run: %d passed, %d failed, %d skipped (%s)\n", \
				ok ? "passed" : "FAILED", run, P, F, S, detail
			exit !ok
		}' "$dir/counts"
}

[ $# -ge 1 ] || die "usage: results.sh guest|host|total ..."
cmd=$1
shift
case $cmd in
guest) [ $# -ge 2 ] || die "usage: results.sh guest OUT DIR [--only LIST] PROGRAM..."; guest "$@" ;;
host) [ $# = 3 ] || die "usage: results.sh host LABEL LOG DIR"; host "$@" ;;
total) [ $# = 2 ] || die "usage: results.sh total DIR STATUS"; total "$@" ;;
*) die "unknown command $cmd" ;;
esac
