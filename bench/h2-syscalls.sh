#!/usr/bin/env bash
# System calls, context switches and the user/system split per HTTP/2 request: Berth's gateway beside HAProxy
# (`proto h2` both sides, nbthread 1, http-reuse always) under the same h2load load, to the same two h2c nginx
# upstreams (bench/h2.sh's setup). Counts kernel tracepoints (perf stat, per process, all threads), which load
# distorts far less than seconds: one more write per request shows as +1.00 whatever else the machine does. The
# seconds (user, system) are read without perf, in a run of their own.
#
# usage: bench/h2-syscalls.sh   env: REQUESTS=100000 CONNS=10 STREAMS=50 BIN_DIR=<dir with berth, berthd>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REQUESTS=${REQUESTS:-100000}; CONNS=${CONNS:-10}; STREAMS=${STREAMS:-50}
GATEWAY_PORT=18402; HAPROXY_PORT=18403; UP=18481
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages nghttp2-client nginx haproxy linux-perf
BIN=${BIN_DIR:-$ROOT/.build-static/release}
WORK=$(mktemp -d /tmp/berth-h2sys.XXXXXX)
DAEMON_PID=""; HAPROXY_PID=""
source "$ROOT/bench/lib/daemon.sh"
cleanup() {
    [[ -n $HAPROXY_PID ]] && kill -TERM "$HAPROXY_PID" 2>/dev/null
    stop_daemon  # and with it the upstreams it supervises
    rm -rf "$WORK"
}
trap cleanup EXIT
source "$ROOT/bench/lib/nginx-upstream.sh"
write_h2c_manifest "$WORK" h2sys "$GATEWAY_PORT" "$UP"
BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state \
    "$BIN/berth" up -d -f "$WORK/berth.yaml" --timeout 30s >/dev/null
DAEMON_PID=$(cat "$WORK/state/berthd.pid")
write_haproxy_h2 "$WORK/haproxy.cfg" "$HAPROXY_PORT" "$UP"
haproxy -f "$WORK/haproxy.cfg" -D -p "$WORK/haproxy.pid"
HAPROXY_PID=$(cat "$WORK/haproxy.pid")
for _ in $(seq 1 300); do
    h2load -n 10 -c 1 "http://127.0.0.1:$GATEWAY_PORT/" 2>/dev/null | grep -q '10 succeeded' && break
    sleep 0.1
done
EVENTS=raw_syscalls:sys_enter,context-switches
for s in read readv recvfrom recvmsg write writev sendto sendmsg epoll_wait epoll_pwait epoll_ctl futex \
    timerfd_settime setsockopt getsockopt clock_gettime; do
    EVENTS+=,syscalls:sys_enter_$s
done
ticks() { cut -d' ' -f14,15 "/proc/$1/stat"; }
measure() { # name pid port
    local url="http://127.0.0.1:$3/"
    h2load -n 20000 -c "$CONNS" -m "$STREAMS" "$url" >/dev/null
    local t0 t1; t0=$(ticks "$2")
    h2load -n "$REQUESTS" -c "$CONNS" -m "$STREAMS" "$url" >"$WORK/$1.h2load0"
    t1=$(ticks "$2")
    perf stat -x, -e "$EVENTS" -p "$2" -o "$WORK/$1.perf" &
    local perf=$!
    sleep 0.3
    h2load -n "$REQUESTS" -c "$CONNS" -m "$STREAMS" "$url" >"$WORK/$1.h2load"
    kill -INT "$perf"; wait "$perf" || true
    python3 - "$1" "$WORK" "$t0" "$t1" "$(getconf CLK_TCK)" <<'PY'
import sys, collections
name, work, t0, t1, hz = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), int(sys.argv[5])
def field(path, prefix, index):
    for line in open(path):
        if line.startswith(prefix): return line.split()[index]
n0 = int(field(f"{work}/{name}.h2load0", "requests:", 7))
n = int(field(f"{work}/{name}.h2load", "requests:", 7))
rps = float(field(f"{work}/{name}.h2load0", "finished in", 3).rstrip(","))
user = (int(t1[0]) - int(t0[0])) / hz * 1e6 / n0
sys_ = (int(t1[1]) - int(t0[1])) / hz * 1e6 / n0
tot = collections.Counter()
for line in open(f"{work}/{name}.perf"):
    f = line.strip().split(",")
    if len(f) < 3 or line.startswith("#"): continue
    try: tot[f[2]] += float(f[0])
    except ValueError: pass
calls = ", ".join(
    f"{ev.replace('syscalls:sys_enter_', '').replace('raw_syscalls:sys_enter', 'all')} {v / n:.3f}"
    for ev, v in sorted(tot.items(), key=lambda x: -x[1]) if v / n >= 0.0005)
print(f"| {name} | {rps:.0f} | {user + sys_:.1f} | {user:.1f} | {sys_:.1f} | {calls} |")
PY
}
echo "h2load -n $REQUESTS -c $CONNS -m $STREAMS over h2c to two h2c nginx upstreams; per request: CPU (us, without"
echo "perf), then system calls and context switches (with perf stat; \`all\` = every system call)."
echo
echo "| target | req/s | cpu us | user | system | per request, with perf |"
echo "|---|---:|---:|---:|---:|---|"
measure haproxy "$HAPROXY_PID" "$HAPROXY_PORT"
measure berth "$DAEMON_PID" "$GATEWAY_PORT"
