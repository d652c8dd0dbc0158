#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-fuzz.sh CLANG MAKE SECONDS - run the libFuzzer target for SECONDS if
# CLANG can build a libFuzzer program here; otherwise say why it is skipped
# (counted as a skip; with CI=true a failure: selftests/vm/deps.sh installs
# clang and its libFuzzer).
set -u
cd "$(dirname "$0")/.." || exit 2
CLANG=$1
MAKE=$2
SECONDS_=$3
probe=$(mktemp -d /tmp/tcpfsm-fuzzprobe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c"
# skip PACKAGE WHY
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL fuzz: $2 (CI=true, and Debian package $1 is not installed)"
		echo "fuzz: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	echo "SKIP fuzz: $2"
	echo "fuzz: 0 passed, 0 failed, 1 skipped"
	exit 0
}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	skip clang "$CLANG not found (install clang for the libFuzzer run)"
fi
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" 2>"$probe/err"; then
	skip libclang-rt-14-dev "$CLANG cannot link libFuzzer programs: $(head -1 "$probe/err")"
fi
echo "fuzz: running fuzz/fuzz_parse.c for ${SECONDS_}s"
if "$MAKE" -s fuzz FUZZ_SECONDS="$SECONDS_" >build/fuzz.log 2>&1; then
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' build/fuzz.log
	echo "fuzz: 1 passed, 0 failed, 0 skipped"
else
	tail -40 build/fuzz.log
	echo "fuzz: 0 passed, 1 failed, 0 skipped (crash input in build/fuzz/, log in build/fuzz.log)"
	exit 1
fi
