#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-fuzz.sh CLANG MAKE SECONDS - run the libFuzzer target for SECONDS if
# CLANG can build a libFuzzer program here; otherwise say why it is skipped.
set -u
cd "$(dirname "$0")/.." || exit 2
CLANG=$1
MAKE=$2
SECONDS_=$3
probe=$(mktemp -d /tmp/tcpfsm-fuzzprobe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c"
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "SKIP fuzz: $CLANG not found (install clang for the libFuzzer run)"
	exit 0
fi
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" 2>"$probe/err"; then
	echo "SKIP fuzz: $CLANG cannot link libFuzzer programs: $(head -1 "$probe/err")"
	exit 0
fi
echo "fuzz: running fuzz/fuzz_parse.c for ${SECONDS_}s"
if "$MAKE" -s fuzz FUZZ_SECONDS="$SECONDS_" >build/fuzz.log 2>&1; then
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' build/fuzz.log
	echo "fuzz: 1 passed, 0 failed"
else
	tail -40 build/fuzz.log
	echo "fuzz: 0 passed, 1 failed (crash input in build/fuzz/, log in build/fuzz.log)"
	exit 1
fi
