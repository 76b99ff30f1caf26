#!/usr/bin/env bash
# Fuzzes Berth's parsers of hostile input with libFuzzer for a bounded time; fails on any crash, hang or broken
# invariant (each harness checks its own, see Sources/*-fuzz/*Harness.swift):
#   gateway   the gateway's HTTP framing (BerthGatewayCore)
#   manifest  the manifest loader, from arbitrary bytes (BerthManifest)
#   control   the control API's request decoding: NIO's HTTP decoder as the server configures it, then
#             ControlRequestAssembler and ControlCommand.decode (BerthControlServer, BerthControlProtocol)
#   http2     the gateway's HTTP/2 server pipeline and its HTTP/1.1 bridge to h2c services (BerthGatewayHTTP2)
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     SECONDS per target, default 60; TARGETs default to all four
#
# All harnesses are built in ONE `swift build` (BERTH_FUZZ_BUILD=1 reduces the package to them and instruments
# Berth's parsing modules with -sanitize=fuzzer,address, see Package.swift), by default in their own scratch path
# (.build-fuzz; FUZZ_SCRATCH_PATH changes it). The seeds in
# Tests/fuzz-corpus/TARGET/ are read, never written: new inputs go to .build-fuzz/corpus/TARGET, crashes to
# .build-fuzz/artifacts/TARGET/. Replay a crash, or the seeds, with the same binary:
# `.build-fuzz/debug/TARGET-fuzz FILE`, or without the fuzzer: `swift run TARGET-fuzz Tests/fuzz-corpus/TARGET/*`.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/fuzz.sh [SECONDS] [gateway|manifest|control|http2 ...]"
seconds=60
if [ $# -gt 0 ]; then
    case "$1" in
        '' | *[!0-9]*) ;;
        *) seconds="$1"; shift ;;
    esac
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(gateway manifest control http2)
for target in "${targets[@]}"; do
    case "$target" in
        gateway | manifest | control | http2) ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done

echo "== build the fuzz harnesses (libFuzzer + AddressSanitizer)"
mkdir -p .build-fuzz
build_started=$(date +%s)
# FUZZ_SCRATCH_PATH=.build reuses the dependencies of a normal debug build (scripts/test.sh does); the instrumented
# Berth modules are then rebuilt by the next normal build. The default keeps the two builds apart.
if ! BERTH_FUZZ_BUILD=1 swift build -c debug --scratch-path "${FUZZ_SCRATCH_PATH:-.build-fuzz}" \
    >.build-fuzz/build.log 2>&1; then
    grep -E "error" .build-fuzz/build.log | grep -v "Cannot export local symbol" | head -n 40
    exit 1
fi
echo "fuzz build: $(( $(date +%s) - build_started )) s"

failed=()
for target in "${targets[@]}"; do
    binary=${FUZZ_SCRATCH_PATH:-.build-fuzz}/debug/$target-fuzz
    seeds=Tests/fuzz-corpus/$target
    corpus=.build-fuzz/corpus/$target
    artifacts=.build-fuzz/artifacts/$target/
    log=.build-fuzz/fuzz-$target.log
    mkdir -p "$corpus" "$artifacts"
    dictionary=()
    [ -f "Tests/fuzz-corpus/$target.dict" ] && dictionary=(-dict="Tests/fuzz-corpus/$target.dict")

    echo "== $target: replay seeds"
    if ! SWIFT_BACKTRACE=enable=no "$binary" -runs=0 "$seeds" >"$log.seeds" 2>&1; then
        grep -E "fuzz invariant broken|Fatal error|ERROR: |SUMMARY" "$log.seeds" | head -n 10
        echo "SEED REPLAY FAILED for $target (log: $log.seeds)" >&2
        failed+=("$target")
        continue
    fi
    tail -n 1 "$log.seeds"

    echo "== $target: fuzz for ${seconds}s (log: $log)"
    # -timeout: one input taking over 25 s is a hang (OSS-Fuzz's default). The hangs found so far took minutes (an
    # alias bomb as a mapping key); a 4 KB manifest with 6,400 problems takes seconds under AddressSanitizer on a
    # loaded 2-core machine, which at 10 s made CI flaky without finding anything. -rss_limit_mb bounds memory;
    # crashes exit non-zero. Swift's own backtracer is turned off: libFuzzer reports the crash and saves the input.
    set +e
    SWIFT_BACKTRACE=enable=no "$binary" \
        -max_total_time="$seconds" \
        -timeout=25 \
        -rss_limit_mb=2048 \
        -max_len=4096 \
        -print_final_stats=1 \
        "${dictionary[@]}" \
        -artifact_prefix="$artifacts" \
        "$corpus" "$seeds" >"$log" 2>&1
    status=$?
    set -e
    summary="fuzz invariant broken|Fatal error|ERROR: |SUMMARY|Test unit written|^Done"
    grep -E "$summary|stat::number_of_executed_units|stat::average_exec_per_sec" "$log" | head -n 20
    if [ "$status" -ne 0 ]; then
        echo "FUZZING FAILED for $target (exit $status); reproducer in $artifacts, replay: $binary FILE" >&2
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing failed: ${failed[*]}" >&2
    exit 1
fi
echo "== no crash in ${seconds}s per target (${targets[*]})"
