#!/usr/bin/env bash
# The cost the dashboard adds to the gateway's request path: RouteWindow.record, one call per request, built with -O.
# Prints a table (three runs); compare with the gateway's 31-36 µs of CPU per request (BENCHMARKS.md, "Gateway findings").
#
# usage: bash bench/route-window.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/bench/lib/route_window_bench.swift" "$WORK/main.swift"
swiftc -O -o "$WORK/route-window" "$REPO/Sources/BerthGatewayCore/RouteWindow.swift" "$WORK/main.swift" -lm
echo "| records | ns per record | requests in the last second | of which 5xx | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|"
for _ in 1 2 3; do "$WORK/route-window"; done
