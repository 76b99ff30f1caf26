#!/usr/bin/env bash
# System calls and context switches per request: Berth's gateway beside HAProxy under the same wrk load.
# Counts kernel tracepoints (perf stat, per process, all threads), which load distorts far less than seconds:
# a request that costs one more read or one more wake-up shows up as +1.00 here whatever else the machine does.
# berthd supervises two nginx upstreams (the bench/gateway.sh setup); HAProxy (nbthread 1, http-reuse always) points
# at the same two. wrk -c$CONNS keep-alive GETs for $DURATION per target; everything pinned as in gateway-compare.sh.
#
# usage: bench/gateway-syscalls.sh     env: DURATION=5s CONNS=50 BIN_DIR=<dir with berth, berthd> ACCESS_LOG=0
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-5s}; CONNS=${CONNS:-50}; ACCESS_LOG=${ACCESS_LOG:-0}
GATEWAY_PORT=18400; HAPROXY_PORT=18401; UP=18481
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages wrk nginx haproxy
BIN=${BIN_DIR:-$ROOT/.build-static/release}
WORK=$(mktemp -d /tmp/berth-gwsys.XXXXXX)
DAEMON_PID=""; HAPROXY_PID=""
source "$ROOT/bench/lib/daemon.sh"
cleanup() { [[ -n $HAPROXY_PID ]] && kill -TERM "$HAPROXY_PID" 2>/dev/null; stop_daemon; rm -rf "$WORK"; }
trap cleanup EXIT
source "$ROOT/bench/lib/nginx-upstream.sh"
write_nginx_upstream "$WORK"
cat >"$WORK/berth.yaml" <<MANIFEST
name: gwsys
gateway:
  listen: 127.0.0.1:$GATEWAY_PORT
  routes:
    - { path: /, service: upstream }
services:
  upstream:
    command: ["$WORK/upstream.sh", "$WORK"]
    replicas: 2
    port: $UP
    stop: { signal: SIGQUIT, timeout: 5s }
MANIFEST
BERTH_GATEWAY_ACCESS_LOG=$ACCESS_LOG BERTH_SOCKET=$WORK/control.sock BERTH_STATE_DIR=$WORK/state \
    "$BIN/berth" up -d -f "$WORK/berth.yaml" --timeout 30s >/dev/null
DAEMON_PID=$(cat "$WORK/state/berthd.pid")
cat >"$WORK/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend be
backend be
  balance roundrobin
  http-reuse always
  server u0 127.0.0.1:$UP
  server u1 127.0.0.1:$((UP + 1))
CFG
haproxy -f "$WORK/haproxy.cfg" -D -p "$WORK/haproxy.pid"
HAPROXY_PID=$(cat "$WORK/haproxy.pid")
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/" 2>/dev/null && break; sleep 0.1; done
for p in $(ss -ltnpH "( sport = :$UP or sport = :$((UP + 1)) )" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) \
    "$DAEMON_PID" "$HAPROXY_PID"; do
    taskset -a -p -c 1 "$p" >/dev/null
done
EVENTS=raw_syscalls:sys_enter,context-switches,task-clock
for s in read readv recvfrom recvmsg write writev sendto sendmsg epoll_wait epoll_pwait epoll_ctl futex \
    timerfd_settime setsockopt getsockopt accept4 close eventfd2 clock_gettime connect socket shutdown; do
    EVENTS+=,syscalls:sys_enter_$s
done
# ticks PID: "utime stime" of the process (all threads), in clock ticks.
ticks() { cut -d' ' -f14,15 "/proc/$1/stat"; }
# switches PID: per thread "name voluntary+involuntary", from /proc.
switches() {
    for t in /proc/"$1"/task/*; do
        echo "$(cat "$t/comm" | tr ' ' _) $(awk '/ctxt_switches/{s += $2} END {print s}' "$t/status")"
    done
}
measure() { # name pid port
    taskset -c 0 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$3/" >/dev/null
    # Without perf: CPU split and wake-ups per thread (perf's tracepoints slow every system call).
    local t0 t1; t0=$(ticks "$2"); switches "$2" >"$WORK/$1.sw0"
    taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$3/" >"$WORK/$1.wrk0"
    t1=$(ticks "$2"); switches "$2" >"$WORK/$1.sw1"
    if [[ -n ${SCHED:-} ]]; then
        # Wake-up delays on the CPUs (SCHED=1): how long the proxy's runnable threads waited for a CPU.
        taskset -c 0 wrk -t1 -c"$CONNS" -d4s "http://127.0.0.1:$3/" >/dev/null &
        local w=$!
        sleep 0.5
        perf sched record -q -o "$WORK/$1.sched" -- sleep 2 >/dev/null 2>&1
        wait "$w"
        echo "== $1: perf sched latency (task, runtime, switches, average and maximum delay)"
        perf sched latency -i "$WORK/$1.sched" 2>/dev/null | grep -E "NIO-ELT|haproxy|nginx|berthd|qos" | head -8
    fi
    # With perf: system calls by kind.
    perf stat -x, -e "$EVENTS" -p "$2" -o "$WORK/$1.perf" &
    local perf=$!
    sleep 0.2
    taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$3/" >"$WORK/$1.wrk"
    kill -INT "$perf"; wait "$perf" || true
    python3 - "$1" "$WORK" "$t0" "$t1" "$(getconf CLK_TCK)" <<'PY'
import sys, collections
name, work, t0, t1, hz = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), int(sys.argv[5])
def reqs(path):
    for line in open(path):
        if "requests in" in line: return int(line.split()[0])
def rps(path):
    for line in open(path):
        if line.startswith("Requests/sec"): return float(line.split()[1])
def p99(path):
    for line in open(path):
        f = line.split()
        if f and f[0] == "99%": return f[1]
n0, n = reqs(f"{work}/{name}.wrk0"), reqs(f"{work}/{name}.wrk")
user = (int(t1[0]) - int(t0[0])) / hz * 1e6 / n0; sys_ = (int(t1[1]) - int(t0[1])) / hz * 1e6 / n0
print(f"== {name}: {rps(f'{work}/{name}.wrk0'):.0f} req/s, p99 {p99(f'{work}/{name}.wrk0')} (no perf);"
      f" CPU per request {user + sys_:.1f} us = user {user:.1f} + system {sys_:.1f}")
sw = lambda p: {l.split()[0]: int(l.split()[1]) for l in open(p) if len(l.split()) == 2}
a, b = sw(f"{work}/{name}.sw0"), sw(f"{work}/{name}.sw1")
d = {k: (b[k] - a.get(k, 0)) / n0 for k in b}
print("  context switches per request by thread:",
      ", ".join(f"{k}={v:.3f}" for k, v in sorted(d.items(), key=lambda x: -x[1]) if v >= 0.0005) or "none")
tot = collections.Counter()
for line in open(f"{work}/{name}.perf"):
    f = line.strip().split(",")
    if len(f) < 3 or line.startswith("#"): continue
    try: tot[f[2]] += float(f[0])
    except ValueError: pass
print(f"  with perf ({n} requests): " + ", ".join(
    f"{ev.replace('syscalls:sys_enter_', '').replace('raw_syscalls:sys_enter', 'ALL syscalls')}={v / n:.3f}"
    for ev, v in sorted(tot.items(), key=lambda x: -x[1]) if ev != "task-clock" and v / n >= 0.0005))
PY
}
measure berth "$DAEMON_PID" "$GATEWAY_PORT"
if [[ -n ${STRACE:-} ]]; then
    # The rare calls, one by one, to see which request or timer makes them (STRACE=1; strace slows berthd).
    strace -f -tt -e trace="$STRACE" -p "$DAEMON_PID" -o "$WORK/strace.txt" &
    st=$!; sleep 0.5
    taskset -c 0 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$GATEWAY_PORT/" >/dev/null
    kill -INT "$st"; wait "$st" || true
    cp "$WORK/strace.txt" /tmp/gateway-syscalls-strace.txt
    echo "strace of $STRACE: /tmp/gateway-syscalls-strace.txt"
fi
measure haproxy "$HAPROXY_PID" "$HAPROXY_PORT"
measure berth "$DAEMON_PID" "$GATEWAY_PORT"
