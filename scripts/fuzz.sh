#!/usr/bin/env bash
# Fuzzes the gateway's framing code (BerthGatewayCore) with libFuzzer for a bounded time; fails on any crash or
# broken invariant (see Sources/gateway-fuzz/FuzzHarness.swift).
#
#   scripts/fuzz.sh [SECONDS]     default 60
#
# Builds `gateway-fuzz` with its own scratch path (.build-fuzz) and -sanitize=fuzzer,address -DFUZZING. The seeds in
# Tests/fuzz-corpus/gateway/ are read, never written: new inputs go to .build-fuzz/corpus, crashes to
# .build-fuzz/artifacts/. Replay a crash, or the seeds, with the same binary: `.build-fuzz/debug/gateway-fuzz FILE`,
# or without the fuzzer: `swift run gateway-fuzz Tests/fuzz-corpus/gateway/*`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
case "$seconds" in
    '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac

echo "== build gateway-fuzz (libFuzzer + AddressSanitizer)"
mkdir -p .build-fuzz
if ! swift build -c debug --scratch-path .build-fuzz --product gateway-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
    >.build-fuzz/build.log 2>&1; then
    grep -E "error" .build-fuzz/build.log | grep -v "Cannot export local symbol" | head -n 40
    exit 1
fi
binary=.build-fuzz/debug/gateway-fuzz
mkdir -p .build-fuzz/corpus .build-fuzz/artifacts

echo "== replay seeds"
SWIFT_BACKTRACE=enable=no "$binary" -runs=0 Tests/fuzz-corpus/gateway 2>&1 | tail -n 1

echo "== fuzz for ${seconds}s (log: .build-fuzz/fuzz.log)"
# -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory; crashes exit non-zero. Swift's own
# backtracer is turned off: libFuzzer reports the crash and saves the input.
set +e
SWIFT_BACKTRACE=enable=no "$binary" \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_len=4096 \
    -print_final_stats=1 \
    -dict=Tests/fuzz-corpus/gateway.dict \
    -artifact_prefix=.build-fuzz/artifacts/ \
    .build-fuzz/corpus Tests/fuzz-corpus/gateway >.build-fuzz/fuzz.log 2>&1
status=$?
set -e
grep -E "fuzz invariant broken|Fatal error|ERROR: |SUMMARY|Test unit written|^Done|stat::number_of_executed_units" \
    .build-fuzz/fuzz.log | head -n 20
if [ "$status" -ne 0 ]; then
    echo "FUZZING FAILED (exit $status); reproducer in .build-fuzz/artifacts/, replay: $binary FILE" >&2
    exit "$status"
fi
echo "== no crash in ${seconds}s"
