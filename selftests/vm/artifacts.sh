#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# artifacts.sh OUTFILE DIR - extract the artifacts a guest job printed
# ("=== ARTIFACT name" ... "=== END name") into DIR, then validate them:
# *.json with python3 (well-formed, and where the debugfs file it was read
# from came along as debugfs.NAME, equal to it), *.prom with promtool,
# *.dot with dot.  Prints TAP and a last line "artifacts: N passed, N
# failed, N skipped"; exits 1 if any check fails.  A validator that is
# missing is a skip, and a failure when CI=true: selftests/vm/deps.sh
# installs every one of them.
set -u

out=$1
dir=$2
mkdir -p "$dir"
rm -f "$dir"/*

awk -v dir="$dir" '
	{ sub(/\r$/, "") }
	/^=== ARTIFACT / { name = $3; file = dir "/" name; printf "" > file; next }
	/^=== END /      { close(file); name = ""; next }
	name != ""       { print >> file }
' "$out"

n=0
pass=0
failed=0
skipped=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
		pass=$((pass + 1))
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# missing TOOL PACKAGE WHAT: a skip, or under CI a failure.
missing() {
	if [ "${CI:-}" = true ]; then
		check 1 "$3 # $1 not installed (Debian package $2; CI=true)"
	else
		n=$((n + 1))
		skipped=$((skipped + 1))
		echo "ok $n $3 # SKIP $1 not installed (Debian package $2)"
	fi
}

# The JSON document $1 says what the debugfs file next to it says.
json_equals_file() {
	python3 - "$1" "$dir" <<'EOF'
import json, os, sys

doc, d = json.load(open(sys.argv[1])), sys.argv[2]
cmd = doc["command"]

def rows(name):
    with open(os.path.join(d, "debugfs." + name)) as f:
        return [l.split() for l in f if l.strip() and not l.startswith("#")]

def num(v):
    return None if v == "-" else int(v)

if cmd == "states":
    want = sorted((r[0], r[1], num(r[2]), int(r[3]), int(r[4])) for r in rows("states"))
    got = sorted((s["proto"], s["state"], s["current"], s["entered"], s["exited"])
                 for s in doc["states"])
elif cmd == "transitions":
    want = sorted((r[0], r[1], r[2], int(r[3]), r[4]) for r in rows("transitions"))
    got = sorted((t["proto"], t["from"], t["to"], t["count"], t["verdict"])
                 for t in doc["transitions"])
elif cmd == "lifecycle":
    want = sorted((r[0], r[1], int(r[2])) for r in rows("lifecycle"))
    got = sorted((t["from"], t["to"], t["count"]) for t in doc["transitions"])
elif cmd == "netns":
    want = sorted((r[0], r[1], r[2], num(r[3]), int(r[4]), int(r[5])) for r in rows("netns"))
    got = sorted(("other" if s["other"] else str(s["netns"]), s["proto"], s["state"],
                  s["current"], s["entered"], s["exited"]) for s in doc["rows"])
elif cmd == "log":
    want = []
    for r in rows("illegal"):
        f = dict(kv.split("=", 1) for kv in r)
        want.append((int(f["seq"]), f["src"], f["dst"], f["from"], f["to"],
                     f["injected"] == "1", f["stack"].split(",")))
    got = [(r["seq"], r["src"], r["dst"], r["from"], r["to"], r["injected"], r["stack"])
           for r in doc["records"]]
elif cmd == "dwell":
    want = {}
    for r in rows("dwell"):
        h = want.setdefault(r[1], {"buckets": []})
        if r[2] in ("count", "sum_us"):
            h[r[2]] = int(r[3])
        else:
            h["buckets"].append((int(r[2]), int(r[3])))
    got = {h["state"]: {"buckets": [(b["bucket_us"], b["count"]) for b in h["buckets"]],
                        "count": h["count"], "sum_us": h["sum_us"]}
           for h in doc["histograms"]}
elif cmd == "summary":
    stats = dict((r[0], r[1]) for r in rows("stats"))
    want = dict((k, int(stats[k])) for k in doc["totals"])
    got = doc["totals"]
else:
    sys.exit(0)
if want != got:
    print("# %s: the JSON says %s" % (cmd, got))
    print("# %s: the file says %s" % (cmd, want))
    sys.exit(1)
EOF
}

found=0
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	found=1
	name=$(basename "$f")
	case $name in
	*.json)
		if command -v python3 >/dev/null 2>&1; then
			python3 -m json.tool "$f" >/dev/null
			check $? "$name is well-formed JSON"
			cmd=${name%.json}
			case $cmd in
			summary | states | transitions | log | lifecycle | dwell | netns)
				json_equals_file "$f"
				check $? "$name equals the debugfs file it was read from"
				;;
			esac
		else
			missing python3 python3 "$name"
		fi
		;;
	*.prom)
		if command -v promtool >/dev/null 2>&1; then
			promtool check metrics < "$f"
			check $? "$name passes promtool check metrics"
		else
			missing promtool prometheus "$name passes promtool check metrics"
		fi
		;;
	*.dot)
		if command -v dot >/dev/null 2>&1; then
			err=$(dot -Tsvg "$f" -o "${f%.dot}.svg" 2>&1)
			[ -z "$err" ] && [ -s "${f%.dot}.svg" ]
			check $? "$name renders with dot, without warnings"
		else
			missing dot graphviz "$name renders with dot"
		fi
		;;
	esac
done
check $((1 - found)) "the guest produced artifacts"
echo "1..$n"
echo "artifacts: $pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
