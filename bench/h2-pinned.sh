#!/usr/bin/env bash
# CPU time and system calls per HTTP/2 request, Berth beside HAProxy, counted by `perf stat` over a fixed number of
# requests rather than over seconds: each proxy (all its threads) pinned to CPU 1, h2load to CPU 0, both proxies in
# front of the same two h2c nginx upstreams (supervised by berthd on 18391-18392, as bench/h2-profile.sh's), 10
# connections x 50 streams as bench/h2.sh. Pairs alternate which proxy goes first (the machine's load drifts).
# Berth runs with its access log off, as HAProxy runs without one. A probe beside bench/h2.sh, not a replacement:
# Berth's figure includes berthd's other threads (supervisor, probes, output pump).
#
# usage: bench/h2-pinned.sh     env: PAIRS=3 REQUESTS=200000 BIN_DIR=<dir with berthd> (default .build-excl/release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAIRS=${PAIRS:-3}; REQUESTS=${REQUESTS:-200000}
PORT=18310; HAPROXY_PORT=18399
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages nghttp2-client nginx haproxy linux-perf
BIN=${BIN_DIR:-$ROOT/.build-excl/release}
[[ -x $BIN/berthd ]] || { echo "no berthd in $BIN (build it: see bench/h2.sh)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/berth-h2pinned.XXXXXX)
DAEMON_PID=""; HAPROXY_PID=""
cleanup() {
    [[ -n $HAPROXY_PID ]] && kill "$HAPROXY_PID" 2>/dev/null || true
    if [[ -n $DAEMON_PID ]]; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
source "$ROOT/bench/lib/nginx-upstream.sh"
write_h2c_manifest "$WORK" h2pinned "$PORT" 18391
BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state "$BIN/berthd" -f "$WORK/berth.yaml" >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
write_haproxy_h2 "$WORK/haproxy.cfg" "$HAPROXY_PORT" 18391
haproxy -f "$WORK/haproxy.cfg" -D -p "$WORK/haproxy.pid"
HAPROXY_PID=$(cat "$WORK/haproxy.pid")
ok=""
for _ in $(seq 1 300); do
    if h2load -n 20 -c 1 "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q '20 succeeded'; then ok=1; break; fi
    sleep 0.2
done
[[ -n $ok ]] || { echo "gateway did not answer over h2c" >&2; tail -20 "$WORK/daemon.log"; exit 1; }
taskset -a -p -c 1 "$DAEMON_PID" >/dev/null
taskset -a -p -c 1 "$HAPROXY_PID" >/dev/null

# measure NAME PID PORT: prints "NAME cpu-us/req syscalls/req req/s".
measure() {
    h2load -n 5000 -c 10 -m 50 "http://127.0.0.1:$3/" >/dev/null
    perf stat -e raw_syscalls:sys_enter,task-clock -p "$2" -o "$WORK/perf.txt" -- \
        taskset -c 0 h2load -n "$REQUESTS" -c 10 -m 50 "http://127.0.0.1:$3/" >"$WORK/h2load.txt"
    grep -q "$REQUESTS succeeded" "$WORK/h2load.txt" || { cat "$WORK/h2load.txt" >&2; exit 1; }
    awk -v name="$1" -v n="$REQUESTS" -v rps="$(awk '/finished in/ {print $4}' "$WORK/h2load.txt")" '
        /raw_syscalls/ {gsub(",", "", $1); calls = $1}
        /task-clock/ {gsub(",", "", $1); ms = $1}
        END {printf "%s %.2f %.3f %.0f\n", name, ms * 1000 / n, calls / n, rps}' "$WORK/perf.txt"
}

echo "| pair | first | Berth cpu us/req | HAProxy cpu us/req | ratio | Berth syscalls/req | HAProxy syscalls/req | Berth / HAProxy req/s |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
met=0
for pair in $(seq 1 "$PAIRS"); do
    if ((pair % 2)); then
        b=$(measure berth "$DAEMON_PID" "$PORT"); h=$(measure haproxy "$HAPROXY_PID" "$HAPROXY_PORT"); first=berth
    else
        h=$(measure haproxy "$HAPROXY_PID" "$HAPROXY_PORT"); b=$(measure berth "$DAEMON_PID" "$PORT"); first=haproxy
    fi
    read -r _ bc bs br <<<"$b"; read -r _ hc hs hr <<<"$h"
    awk -v p="$pair" -v f="$first" -v bc="$bc" -v hc="$hc" -v bs="$bs" -v hs="$hs" -v br="$br" -v hr="$hr" \
        'BEGIN {printf "| %d | %s | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f |\n", p, f, bc, hc, bc / hc, bs, hs, br / hr}'
    awk -v bc="$bc" -v hc="$hc" 'BEGIN {exit !(bc <= hc)}' && met=$((met + 1))
done
echo
echo "Berth used at most HAProxy's CPU per request in $met of $PAIRS pairs ($REQUESTS requests each; load $(cut -d' ' -f1-3 /proc/loadavg))."
