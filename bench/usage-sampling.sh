#!/usr/bin/env bash
# What sampling replicas' usage costs berthd: N idle replicas (`sleep`), no probes, berthd's CPU (% of one core) over
# STEADY seconds at steady state, with sampling on and off (BERTH_USAGE_SAMPLING=0). The difference is the cost of
# the once-a-second pass over /proc (stretched to stay under 1 % of a core, see docs/resources.md).
#
# usage: bash bench/usage-sampling.sh
# env (defaults): N=1000  STEADY=30  SETTLE=15  BIN_DIR=<repo>/.build-static/release (build it as bench/scale.sh does)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
STEADY=${STEADY:-30}
SETTLE=${SETTLE:-15}
BIN_DIR=${BIN_DIR:-$REPO/.build-static/release}
WORK=$(mktemp -d /tmp/berth-usage.XXXXXX)
DAEMON_PID=""
HZ=$(getconf CLK_TCK)

source "$REPO/bench/lib/daemon.sh"
STOP_WAIT=30
stop_on_exit "$WORK"
ulimit -n "$(ulimit -Hn)"
cat >"$WORK/berth.yaml" <<YAML
name: usage$N
services:
  idle:
    command: ["sleep", "100000"]
    replicas: $N
    stop: { timeout: 5s }
YAML

for sampling in 0 1; do
    export BERTH_STATE_DIR="$WORK/state$sampling" BERTH_SOCKET="$WORK/run$sampling/berthd.sock"
    export BERTH_USAGE_SAMPLING=$sampling
    "$BIN_DIR/berth" up -d -f "$WORK/berth.yaml" --timeout 300s >"$WORK/up$sampling.txt" 2>&1
    DAEMON_PID=$(cat "$BERTH_STATE_DIR/berthd.pid")
    sleep "$SETTLE"
    t0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"); sleep "$STEADY"
    t1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
    awk -v n="$N" -v s="$sampling" -v d=$((t1 - t0)) -v hz="$HZ" -v t="$STEADY" \
        'BEGIN { printf "%d replicas, sampling %s: berthd %.2f %% of a core\n", n, (s ? "on" : "off"), d * 100 / hz / t }'
    "$BIN_DIR/berth" down -f "$WORK/berth.yaml" >/dev/null 2>&1
    DAEMON_PID=""
done
