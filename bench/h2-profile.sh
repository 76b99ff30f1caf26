#!/usr/bin/env bash
# Instructions per HTTP/2 request forwarded by the gateway, counted by valgrind's callgrind (repeatable whatever the
# machine is doing, unlike seconds): berthd runs under callgrind supervising two h2c nginx upstreams (a service
# declared `protocol: h2c`); after start-up the counters are zeroed, h2load sends a fixed number of requests over
# cleartext HTTP/2 (prior knowledge, CONNS connections x STREAMS concurrent streams, as bench/h2.sh), and the
# instructions counted are divided by the requests answered. Prints the total, the socket-readable path per request
# and the top functions (inclusive, then exclusive), for finding what to make cheaper.
#
# usage: bench/h2-profile.sh      env: REQUESTS=20000 CONNS=10 STREAMS=50 TOP=30 SKIP_BUILD=1 KEEP=1 (keep the dump)
#                                      BIN_DIR=<dir with berthd> (default .build-static/release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REQUESTS=${REQUESTS:-20000}; CONNS=${CONNS:-10}; STREAMS=${STREAMS:-50}; TOP=${TOP:-30}
PORT=18310
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages nghttp2-client nginx valgrind
if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$ROOT" && swift build "${BERTH_RELEASE_BUILD[@]}" --scratch-path .build-static --product berthd \
        >/tmp/berth-h2profile-build.log 2>&1 \
        && swift build "${BERTH_RELEASE_BUILD[@]}" --scratch-path .build-static --product berth \
        >>/tmp/berth-h2profile-build.log 2>&1) || { tail -20 /tmp/berth-h2profile-build.log; exit 1; }
fi
BIN=${BIN_DIR:-$ROOT/.build-static/release}
WORK=$(mktemp -d /tmp/berth-h2profile.XXXXXX)
DAEMON_PID=""
cleanup() {
    [[ -n $DAEMON_PID ]] && kill -TERM "$DAEMON_PID" 2>/dev/null
    for _ in $(seq 1 300); do [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    # A daemon already gone makes this kill fail: under `set -e` that ended the trap before the clean-up below.
    [[ -n $DAEMON_PID ]] && kill -KILL "$DAEMON_PID" 2>/dev/null || true
    if [[ -n ${KEEP:-} ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
source "$ROOT/bench/lib/nginx-upstream.sh"
# The same upstream as bench/gateway-profile.sh's, spoken to over h2c (prior knowledge), as bench/h2.sh's.
write_h2c_manifest "$WORK" h2profile "$PORT" 18391
# berthd resolves its manifest with the CLI (`berth resolve`), found beside it: the copy below has none beside it.
# valgrind 3.19 cannot read the DWARF 5 that swiftc writes: profile a copy without debug info (symbols stay).
objcopy --strip-debug "$BIN/berthd" "$WORK/berthd"
# valgrind cannot follow berthd's clone(CLONE_VM) spawns: a preloaded shim makes them forks (bench/lib/fork_clone.c).
cc -O2 -shared -fPIC -o "$WORK/fork_clone.so" "$ROOT/bench/lib/fork_clone.c" -ldl
BERTH_CLI=$BIN/berth BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state LD_PRELOAD=$WORK/fork_clone.so \
    valgrind --tool=callgrind \
    --callgrind-out-file="$WORK/callgrind.out" --trace-children=no "$WORK/berthd" -f "$WORK/berth.yaml" \
    >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
ok=""
for _ in $(seq 1 900); do
    if h2load -n 20 -c 1 "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q '20 succeeded'; then ok=1; break; fi
    sleep 0.2
done
[[ -n $ok ]] || { echo "gateway did not answer over h2c" >&2; tail -20 "$WORK/daemon.log"; exit 1; }
# Warm up (connections to both replicas, the stream tables' first growth), then count from zero.
h2load -n 2000 -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$PORT/" >/dev/null
callgrind_control --zero "$DAEMON_PID" >/dev/null
h2load -n "$REQUESTS" -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$PORT/" >"$WORK/h2load.txt"
callgrind_control --dump "$DAEMON_PID" >/dev/null
requests=$(awk '/^requests:/ {print $8}' "$WORK/h2load.txt")
[[ $requests -gt 0 ]] || { cat "$WORK/h2load.txt"; exit 1; }
grep -E '^(requests|status codes):' "$WORK/h2load.txt"
dump=$(ls -t "$WORK"/callgrind.out* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "requests: $requests; instructions: $total; per request: $((total / requests))"
readable=$(callgrind_annotate --inclusive=yes "$dump" 2>/dev/null \
    | awk '/BaseSocketChannelC9readable/ {gsub(",", "", $1); if ($1 > max) max = $1} END {printf "%.0f\n", max}')
echo "socket-readable path per request: $((readable / requests))"
# `head` closes the pipe early: under pipefail that SIGPIPE (141) ended the script before the exclusive list.
echo "== inclusive"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | sed -n '/^Ir/,$p' | head -n $((TOP + 2)) | cut -c1-220 || true
echo "== exclusive"
callgrind_annotate --threshold=100 "$dump" 2>/dev/null | sed -n '/^Ir/,$p' | head -n $((TOP + 2)) | cut -c1-220 || true
