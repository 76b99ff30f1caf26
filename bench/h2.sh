#!/usr/bin/env bash
# HTTP/2 gateway benchmark: Berth beside HAProxy (`proto h2` both sides) and nginx (`grpc_pass`), in ONE run, with
# h2load over cleartext HTTP/2 (10 connections x 50 streams), to the same two h2c upstreams on 18481-18482 that
# ../shared/peer-bench/h2-compare.sh starts. Berth routes to them through a service declared `protocol: h2c`
# whose two replicas hold those ports (the replica processes only wait; the compare script's nginx answers).
# Then gRPC unary calls per second through each proxy: h2load posting one framed gRPC message per call
# (content-type application/grpc, te: trailers) to /berth.test.Echo/Unary on two Python grpcio servers
# (Tests/fixtures/grpc/echo_server.py on 18483-18484), through nginx (grpc_pass), HAProxy (proto h2) and Berth
# (`protocol: grpc`); a grpcio client first checks that each target answers real gRPC calls (grpc-status 0).
#
# usage: bench/h2.sh        env: ROUNDS=3 DURATION=8 SKIP_BUILD=1 BIN_DIR=<dir with berth, berthd> GRPC=0 (skip gRPC)
#                                 BEFORE_BIN_DIR=<older berth, berthd>: also measured, as `berth-before`, in the
#                                 same rounds (a before/after comparison that a loaded machine does not skew)
#                                 BERTH_LOG=1: Berth with its default, the access log on (the peers log nothing, as
#                                 h2-compare.sh configures them); printed only, not recorded in BENCHMARKS.md
# Prints a table and records it in BENCHMARKS.md (section "HTTP/2 gateway").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=${PEER_BENCH:-$ROOT/../shared/peer-bench}
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-8}
GATEWAY_PORT=18470
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages nghttp2-client nginx haproxy python3
[[ -d $PEER ]] || { echo "peer-bench not found at $PEER" >&2; exit 1; }

if [[ -z ${SKIP_BUILD:-} ]]; then
    echo "== building Berth (release)"
    (cd "$ROOT" && swift build "${BERTH_RELEASE_BUILD[@]}" --product berthd >/tmp/berth-h2bench-build.log 2>&1 \
        && swift build "${BERTH_RELEASE_BUILD[@]}" --product berth >>/tmp/berth-h2bench-build.log 2>&1) \
        || { tail -20 /tmp/berth-h2bench-build.log; exit 1; }
fi
BIN=${BIN_DIR:-$ROOT/.build/release}
WORK=$(mktemp -d /tmp/berth-h2bench.XXXXXX)
DAEMON_PID=""
source "$ROOT/bench/lib/daemon.sh"
stop_on_exit "$WORK"

cat >"$WORK/berth.yaml" <<MANIFEST
name: h2bench
gateway:
  listen: 127.0.0.1:$GATEWAY_PORT
  access_log: $([[ ${BERTH_LOG:-0} == 1 ]] && echo true || echo false)
  routes:
    - { path: /berth.test.Echo, service: grpcup }
    - { path: /, service: upstream }
services:
  grpcup:
    # The replicas stand for the two grpcio servers on 18483 and 18484 that this script starts.
    command: [sleep, infinity]
    replicas: 2
    port: 18483
    protocol: grpc
    ready: { tcp: true, interval: 100ms }
  upstream:
    # The replicas stand for the compare script's h2c nginx on 18481 and 18482: ready once it answers there.
    command: [sleep, infinity]
    replicas: 2
    port: 18481
    protocol: h2c
    ready: { tcp: true, interval: 100ms }
MANIFEST
GRPC_PIDS=()
if [[ ${GRPC:-1} != 0 ]]; then
    for i in 0 1; do
        PORT=$((18483 + i)) BERTH_REPLICA=$i python3 "$ROOT/Tests/fixtures/grpc/echo_server.py" >"$WORK/grpc$i.log" 2>&1 &
        GRPC_PIDS+=($!)
    done
fi
BEFORE_PID=""
stop_grpc() {
    for pid in "${GRPC_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -n $BEFORE_PID ]]; then kill -TERM "$BEFORE_PID" 2>/dev/null || true; fi
}
trap 'stop_grpc; _bench_cleanup' EXIT
TARGETS=("berth=http://127.0.0.1:$GATEWAY_PORT/")
if [[ -n ${BEFORE_BIN_DIR:-} ]]; then
    sed "s/127.0.0.1:$GATEWAY_PORT/127.0.0.1:$((GATEWAY_PORT + 1))/" "$WORK/berth.yaml" >"$WORK/before.yaml"
    BERTH_SOCKET=$WORK/before.sock BERTH_STATE_DIR=$WORK/before-state \
        "$BEFORE_BIN_DIR/berth" up -d -f "$WORK/before.yaml" --timeout 60s >"$WORK/before-up.log" 2>&1 &
    for _ in $(seq 1 100); do [[ -f $WORK/before-state/berthd.pid ]] && break; sleep 0.1; done
    BEFORE_PID=$(cat "$WORK/before-state/berthd.pid")
    TARGETS+=("berth-before=http://127.0.0.1:$((GATEWAY_PORT + 1))/")
fi
# Not ready until the upstreams exist: requests wait for them (queue_timeout), so `up` is not waited for here.
BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state \
    "$BIN/berth" up -d -f "$WORK/berth.yaml" --timeout 60s >"$WORK/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 100); do [[ -f $WORK/state/berthd.pid ]] && break; sleep 0.1; done
DAEMON_PID=$(cat "$WORK/state/berthd.pid")
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$GATEWAY_PORT") 2>/dev/null && break; sleep 0.1; done

echo "== h2load through HAProxy, nginx and Berth (h2c upstreams 18481-18482)"
OUTDIR=$WORK/compare ROUNDS=$ROUNDS DURATION=$DURATION bash "$PEER/h2-compare.sh" \
    "${TARGETS[@]}" | tee "$WORK/compare.txt"
wait "$UP_PID" || true

python3 - "$WORK/compare/results.tsv" >"$WORK/report.md" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]).read().splitlines()[1:]:
    r, name, rps, mean, worst, errs, non2xx, cpu = line.split("\t")
    rows[name].append((float(rps), float(mean), int(errs), int(non2xx), float(cpu) if cpu != "NA" else float("nan")))
med = lambda xs: statistics.median(xs)
print("h2load over cleartext HTTP/2 (prior knowledge), 10 connections x 50 concurrent streams, to the same two h2c")
print("nginx upstreams (18481-18482); medians of the rounds; `cpu us/req` = CPU of the proxy's processes per request.\n")
print("| target | req/s | mean ms | errors | non-2xx | cpu us/req |")
print("|---|---:|---:|---:|---:|---:|")
for name, values in rows.items():
    print("| %s | %.0f | %.2f | %d | %d | %.1f |" % (
        name, med([v[0] for v in values]), med([v[1] for v in values]), sum(v[2] for v in values),
        sum(v[3] for v in values), med([v[4] for v in values])))
if "berth" in rows and "haproxy" in rows:
    b, h = rows["berth"], rows["haproxy"]
    ratio = med([v[0] for v in b]) / med([v[0] for v in h])
    cpu_b, cpu_h = med([v[4] for v in b]), med([v[4] for v in h])
    print("\nBerth / HAProxy: %.2fx the requests per second (target >= 1.0: %s), %.1f vs %.1f us CPU per request "
          "(target <= HAProxy's: %s)." % (ratio, "met" if ratio >= 1.0 else "not met", cpu_b, cpu_h,
                                          "met" if cpu_b <= cpu_h else "not met"))
if "berth" in rows and "berth-before" in rows:
    b, o = rows["berth"], rows["berth-before"]
    print("Berth / the build before (same rounds): %.2fx the requests per second, %.1f vs %.1f us CPU per request." % (
        med([v[0] for v in b]) / med([v[0] for v in o]), med([v[4] for v in b]), med([v[4] for v in o])))
PY
if [[ ${GRPC:-1} != 0 ]]; then
    echo "== gRPC unary calls through nginx, HAProxy and Berth (grpcio upstreams 18483-18484)"
    OUTDIR=$WORK/grpc ROUNDS=$ROUNDS DURATION=$DURATION \
        bash "$ROOT/bench/lib/grpc-compare.sh" "${TARGETS[@]%/}" | tee "$WORK/grpc.txt"
    python3 - "$WORK/grpc/results.tsv" >>"$WORK/report.md" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]).read().splitlines()[1:]:
    r, name, rps, errs, non2xx, cpu = line.split("\t")
    rows[name].append((float(rps), int(errs), int(non2xx), float(cpu) if cpu != "NA" else float("nan")))
med = statistics.median
print("\ngRPC unary calls (h2load posting a framed message to /berth.test.Echo/Unary, 10 connections x 50 streams)")
print("through each proxy to the same two Python grpcio servers; medians of the rounds; `cpu us/call` = the proxy's CPU.\n")
print("| target | calls/s | errors | non-2xx | cpu us/call |")
print("|---|---:|---:|---:|---:|")
for name, values in rows.items():
    print("| %s | %.0f | %d | %d | %.1f |" % (name, med([v[0] for v in values]), sum(v[1] for v in values),
                                            sum(v[2] for v in values), med([v[3] for v in values])))
if "berth" in rows and "haproxy" in rows:
    b, h = rows["berth"], rows["haproxy"]
    print("\nBerth / HAProxy (gRPC): %.2fx the calls per second, %.1f vs %.1f us CPU per call." % (
        med([v[0] for v in b]) / med([v[0] for v in h]), med([v[3] for v in b]), med([v[3] for v in h])))
if "berth" in rows and "berth-before" in rows:
    b, o = rows["berth"], rows["berth-before"]
    print("Berth / the build before (gRPC, same rounds): %.2fx the calls per second, %.1f vs %.1f us CPU per call." % (
        med([v[0] for v in b]) / med([v[0] for v in o]), med([v[3] for v in b]), med([v[3] for v in o])))
PY
fi
stop_grpc
cat "$WORK/report.md"
if [[ ${BERTH_LOG:-0} == 1 ]]; then
    echo "(Berth's access log on, its default; the peers without logs: not recorded in BENCHMARKS.md)"
else
    python3 "$ROOT/bench/lib/update_section.py" "$ROOT/BENCHMARKS.md" "HTTP/2 gateway" "$WORK/report.md"
    echo "recorded in BENCHMARKS.md"
fi
