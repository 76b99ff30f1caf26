#!/usr/bin/env bash
# Instructions per request of the gateway, counted by valgrind's callgrind (repeatable whatever the machine is doing,
# unlike seconds): berthd runs under callgrind supervising two nginx upstreams; after start-up the counters are
# zeroed, wrk sends keep-alive GETs through the gateway for a fixed time, and the instructions counted are divided by
# the requests answered. Prints the total and the top functions (inclusive), for finding what to make cheaper.
#
# usage: bench/gateway-profile.sh        env: DURATION=10s CONNS=20 SKIP_BUILD=1 TOP=25 ACCESS_LOG=false
#                                             BIN_DIR=<dir with berthd> (default .build/release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10s}; CONNS=${CONNS:-20}; TOP=${TOP:-25}
PORT=18300
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages wrk nginx valgrind
if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$ROOT" && swift build "${BERTH_RELEASE_BUILD[@]}" >/tmp/berth-profile-build.log 2>&1) \
        || { tail -20 /tmp/berth-profile-build.log; exit 1; }
fi
BIN=${BIN_DIR:-$ROOT/.build/release}
WORK=$(mktemp -d /tmp/berth-gwprofile.XXXXXX)
DAEMON_PID=""
cleanup() {
    [[ -n $DAEMON_PID ]] && kill -TERM "$DAEMON_PID" 2>/dev/null
    for _ in $(seq 1 200); do [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    [[ -n $DAEMON_PID ]] && kill -KILL "$DAEMON_PID" 2>/dev/null
    [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
source "$ROOT/bench/lib/nginx-upstream.sh"
write_nginx_upstream "$WORK"
cat >"$WORK/berth.yaml" <<MANIFEST
name: gwprofile
gateway:
  listen: 127.0.0.1:$PORT
  access_log: ${ACCESS_LOG:-false}
  routes:
    - { path: /, service: upstream }
services:
  upstream:
    command: ["$WORK/upstream.sh", "$WORK"]
    replicas: 2
    port: 18381
    stop: { signal: SIGQUIT, timeout: 5s }
MANIFEST
# valgrind 3.19 cannot read the DWARF 5 that swiftc writes: profile a copy without debug info (symbols stay).
objcopy --strip-debug "$BIN/berthd" "$WORK/berthd"
# valgrind cannot follow berthd's clone(CLONE_VM) spawns: a preloaded shim makes them forks (bench/lib/fork_clone.c).
cc -O2 -shared -fPIC -o "$WORK/fork_clone.so" "$ROOT/bench/lib/fork_clone.c" -ldl
BERTH_CLI=$BIN/berth BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state LD_PRELOAD=$WORK/fork_clone.so \
    valgrind --tool=callgrind \
    --callgrind-out-file="$WORK/callgrind.out" --trace-children=no "$WORK/berthd" -f "$WORK/berth.yaml" \
    >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" || { tail -20 "$WORK/daemon.log"; exit 1; }
callgrind_control --zero "$DAEMON_PID" >/dev/null
wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/" >"$WORK/wrk.txt"
callgrind_control --dump "$DAEMON_PID" >/dev/null
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
dump=$(ls -t "$WORK"/callgrind.out* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "requests: $requests; instructions: $total; per request: $((total / requests))"
# The total includes work paid per second, not per request (timers, the daemon's background tasks): under a loaded
# machine fewer requests share it. The socket-readiness path (reads, the handlers, the writes they make) is the
# request's own cost.
readable=$(callgrind_annotate --inclusive=yes "$dump" 2>/dev/null \
    | awk '/BaseSocketChannelC9readable/ {gsub(",", "", $1); if ($1 > max) max = $1} END {print max + 0}')
echo "socket-readable path per request: $((readable / requests))"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | sed -n '/^Ir/,$p' | head -n $((TOP + 2)) | cut -c1-200
