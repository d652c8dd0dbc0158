#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# artifacts.sh OUTFILE DIR - extract the artifacts a guest job printed
# ("=== ARTIFACT name" ... "=== END name") into DIR, then validate them:
# *.json with python3 -m json.tool, *.prom with promtool, *.dot with dot.
# Prints TAP; exits 1 if any check fails.
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
failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

found=0
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	found=1
	name=$(basename "$f")
	case $name in
	*.json)
		python3 -m json.tool "$f" >/dev/null
		check $? "$name is well-formed JSON"
		;;
	*.prom)
		if command -v promtool >/dev/null 2>&1; then
			promtool check metrics < "$f"
			check $? "$name passes promtool check metrics"
		else
			echo "ok $((n += 1)) $name # SKIP promtool not installed"
		fi
		;;
	*.dot)
		if command -v dot >/dev/null 2>&1; then
			err=$(dot -Tsvg "$f" -o "${f%.dot}.svg" 2>&1)
			[ -z "$err" ] && [ -s "${f%.dot}.svg" ]
			check $? "$name renders with dot, without warnings"
		else
			echo "ok $((n += 1)) $name # SKIP graphviz not installed"
		fi
		;;
	esac
done
check $((1 - found)) "the guest produced artifacts"
echo "1..$n"
exit $failed
