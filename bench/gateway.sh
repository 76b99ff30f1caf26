#!/usr/bin/env bash
# Gateway benchmark: Berth's gateway beside nginx and HAProxy, in ONE run, against the same two nginx upstreams
# (which Berth itself supervises: a service with `port: 18081` and 2 replicas running nginx in the foreground).
# Uses ../shared/peer-bench/gateway-compare.sh (wrk pinned to CPU 0, proxies and upstreams to CPU 1).
#
# usage: bench/gateway.sh            env: ROUNDS=3 DURATION=8s CONNS=50 IDLE_CONNS=10000 SKIP_BUILD=1
#                                         BIN_DIR=<dir with berth and berthd> (default .build/release)
# Prints a table and records it in BENCHMARKS.md (section "Gateway").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=${PEER_BENCH:-$ROOT/../shared/peer-bench}
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-8s}; CONNS=${CONNS:-50}; IDLE_CONNS=${IDLE_CONNS:-10000}
GATEWAY_PORT=18200
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages wrk nginx haproxy python3
[[ -d $PEER ]] || { echo "peer-bench not found at $PEER" >&2; exit 1; }

if [[ -z ${SKIP_BUILD:-} ]]; then
    echo "== building Berth (release)"
    (cd "$ROOT" && swift build "${BERTH_RELEASE_BUILD[@]}" --product berthd >/tmp/berth-bench-build.log 2>&1 \
        && swift build "${BERTH_RELEASE_BUILD[@]}" --product berth >>/tmp/berth-bench-build.log 2>&1) \
        || { tail -20 /tmp/berth-bench-build.log; exit 1; }
fi
BIN=${BIN_DIR:-$ROOT/.build/release}
WORK=$(mktemp -d /tmp/berth-gwbench.XXXXXX)
DAEMON_PID=""
source "$ROOT/bench/lib/daemon.sh"
trap 'stop_daemon; rm -rf "$WORK"' EXIT

# The upstream nginx (same settings as peer-bench/upstreams.sh), one config per replica port.
source "$ROOT/bench/lib/nginx-upstream.sh"
write_nginx_upstream "$WORK"
cat >"$WORK/berth.yaml" <<MANIFEST
name: gwbench
gateway:
  listen: 127.0.0.1:$GATEWAY_PORT
  routes:
    - { path: /, service: upstream }
services:
  upstream:
    command: ["$WORK/upstream.sh", "$WORK"]
    replicas: 2
    port: 18081
    stop: { signal: SIGQUIT, timeout: 5s }
MANIFEST

start_daemon() {
    # 10,000 idle clients need more than the usual 20,000 descriptors: berthd keeps half of what it has (after a
    # reserve) for clients, the other half for their upstream connections (docs/gateway.md).
    [ "$(id -u)" = 0 ] && ulimit -Hn 65536 2>/dev/null && ulimit -Sn 65536 2>/dev/null
    BERTH_GATEWAY_ACCESS_LOG=$1 BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state \
        "$BIN/berth" up -d -f "$WORK/berth.yaml" --timeout 30s >/dev/null
    DAEMON_PID=$(cat "$WORK/state/berthd.pid")
}

echo "== Berth supervises the upstreams (access log off)"
start_daemon 0
OUTDIR=$WORK/compare ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS bash "$PEER/gateway-compare.sh" 18081 18082 \
    "berth=http://127.0.0.1:$GATEWAY_PORT/" | tee "$WORK/compare.txt"

echo "== $IDLE_CONNS idle keep-alive client connections to the gateway"
python3 "$ROOT/bench/lib/idle_conns.py" 127.0.0.1 "$GATEWAY_PORT" "$IDLE_CONNS" "$DAEMON_PID" | tee "$WORK/idle.txt"
stop_daemon

echo "== access log on: Berth's default, and nginx and HAProxy logging every request too (PEER_LOG=1)"
start_daemon 1
OUTDIR=$WORK/compare-log ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS SKIP_BUILTIN="direct" PEER_LOG=1 \
    bash "$PEER/gateway-compare.sh" 18081 18082 "berth-accesslog=http://127.0.0.1:$GATEWAY_PORT/" \
    | tee "$WORK/compare-log.txt"
stop_daemon

python3 "$ROOT/bench/lib/gateway_report.py" "$WORK/compare/results.tsv" "$WORK/compare-log/results.tsv" \
    "$WORK/idle.txt" | tee "$WORK/report.md"
python3 "$ROOT/bench/lib/update_section.py" "$ROOT/BENCHMARKS.md" "Gateway" "$WORK/report.md"
echo "recorded in BENCHMARKS.md"
