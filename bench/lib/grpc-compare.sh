#!/usr/bin/env bash
# gRPC unary calls per second through nginx (grpc_pass), HAProxy (proto h2) and extra targets, to the grpcio echo
# servers already listening on UP_PORTS (bench/h2.sh starts them). Load: h2load posting one framed gRPC message per
# call (h2load does not read grpc-status: a grpcio client first checks every target with 20 real calls).
# Pinned like ../shared/peer-bench/h2-compare.sh: h2load on CLIENT_CPUS, proxies and upstreams on SERVER_CPUS.
#
# usage: bench/lib/grpc-compare.sh [NAME=URL ...]   (URL without path: http://127.0.0.1:PORT)
# env: ROUNDS=3 DURATION=8 WARMUP=2 CONNS=10 STREAMS=50 UP_PORTS="18483 18484" NGINX_PORT=18485 HAPROXY_PORT=18486
#      CLIENT_CPUS=0 SERVER_CPUS=1 OUTDIR=<dir for results.tsv and raw output>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-8}; WARMUP=${WARMUP:-2}; CONNS=${CONNS:-10}; STREAMS=${STREAMS:-50}
UP_PORTS=${UP_PORTS:-"18483 18484"}; NGINX_PORT=${NGINX_PORT:-18485}; HAPROXY_PORT=${HAPROXY_PORT:-18486}
CLIENT_CPUS=${CLIENT_CPUS:-0}; SERVER_CPUS=${SERVER_CPUS:-1}
OUTDIR=${OUTDIR:-${TMPDIR:-/tmp}/grpc-compare-$(date +%Y%m%d-%H%M%S)}
RUN=$(mktemp -d /tmp/grpc-compare.XXXXXX)
ALLCPUS="0-$(($(nproc) - 1))"
PIDS=(); PINNED=()
cleanup() {
    set +e
    for p in "${PINNED[@]}"; do kill -0 "$p" 2>/dev/null && taskset -a -p -c "$ALLCPUS" "$p" >/dev/null; done
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    rm -rf "$RUN"
}
trap cleanup EXIT INT TERM
mkdir -p "$OUTDIR"
port_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 200); do port_up "$1" && return 0; sleep 0.05; done; echo "port $1 not up" >&2; return 1; }
listen_pids() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }
cpu_ticks() {
    local s=0 p f
    for p in "$@"; do
        f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
        s=$((s + ${f% *} + ${f#* }))
    done
    echo $s
}
for p in $UP_PORTS; do wait_port "$p"; done

TN=(); TU=()
d=$RUN/nginx; mkdir -p "$d/tmp"
{
    echo "worker_processes 1; pid $d/nginx.pid; error_log $d/error.log warn; events { worker_connections 8192; }"
    printf 'http { access_log off; keepalive_requests 1000000; keepalive_timeout 60s;'
    for t in client_body proxy fastcgi uwsgi scgi; do printf ' %s_temp_path %s/tmp/%s;' $t "$d" $t; done; echo
    echo "  upstream up {"; for p in $UP_PORTS; do echo "    server 127.0.0.1:$p;"; done; echo "    keepalive 64; }"
    echo "  server { listen 127.0.0.1:$NGINX_PORT http2; location / { grpc_pass grpc://up; } } }"
} >"$d/nginx.conf"
nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log"; PIDS+=("$(cat "$d/nginx.pid")"); wait_port "$NGINX_PORT"
TN+=(nginx); TU+=("http://127.0.0.1:$NGINX_PORT")
d=$RUN/haproxy; mkdir -p "$d"
{
    echo "global"; echo "  nbthread 1"; echo "  maxconn 4096"
    echo "defaults"; echo "  mode http"; echo "  timeout connect 5s"; echo "  timeout client 30s"
    echo "  timeout server 30s"
    echo "frontend fe"; echo "  bind 127.0.0.1:$HAPROXY_PORT proto h2"; echo "  default_backend be"
    echo "backend be"; echo "  balance roundrobin"; echo "  http-reuse always"
    i=0; for p in $UP_PORTS; do echo "  server u$i 127.0.0.1:$p proto h2"; i=$((i + 1)); done
} >"$d/haproxy.cfg"
haproxy -f "$d/haproxy.cfg" -D -p "$d/haproxy.pid"; PIDS+=("$(cat "$d/haproxy.pid")"); wait_port "$HAPROXY_PORT"
TN+=(haproxy); TU+=("http://127.0.0.1:$HAPROXY_PORT")
for a in "$@"; do TN+=("${a%%=*}"); TU+=("${a#*=}"); done

# Real gRPC through every target first (h2load counts HTTP 2xx only).
for i in "${!TN[@]}"; do
    target=${TU[$i]#http://}
    out=$(python3 "$ROOT/Tests/fixtures/grpc/client.py" "$target" calls 20)
    echo "$out" | grep -q '"ok": 20' || { echo "target ${TN[$i]} fails gRPC calls: $out" >&2; exit 1; }
done
# One framed message: flag 0, length 5, "hello".
printf '\x00\x00\x00\x00\x05hello' >"$RUN/call.bin"
for p in $UP_PORTS $NGINX_PORT $HAPROXY_PORT "${TU[@]##*:}"; do
    for pid in $(listen_pids "$p"); do taskset -a -p -c "$SERVER_CPUS" "$pid" >/dev/null; PINNED+=("$pid"); done
done
load() { # URL SECONDS OUT
    taskset -c "$CLIENT_CPUS" h2load -c "$CONNS" -m "$STREAMS" -D "$2" -H "content-type: application/grpc" \
        -H "te: trailers" -d "$RUN/call.bin" "$1/berth.test.Echo/Unary" >"$3" 2>&1 || true
}
printf 'round\ttarget\trps\terrors\tnon2xx\tcpu_us_per_call\n' >"$OUTDIR/results.tsv"
nt=${#TN[@]}
for ((r = 0; r < ROUNDS; r++)); do
    for ((k = 0; k < nt; k++)); do
        i=$(((k + r) % nt)); name=${TN[$i]}; url=${TU[$i]}
        load "$url" "$WARMUP" /dev/null
        pids=$(listen_pids "${url##*:}"); c0=$(cpu_ticks $pids)
        out=$OUTDIR/h2load-r$((r + 1))-$name.txt
        load "$url" "$DURATION" "$out"
        c1=$(cpu_ticks $pids)
        python3 - "$out" $((r + 1)) "$name" $((c1 - c0)) "$(getconf CLK_TCK)" >>"$OUTDIR/results.tsv" <<'PY'
import re, sys
text = open(sys.argv[1]).read(); rnd, name, ticks, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rps = re.search(r"finished in [^,]+, ([\d.]+) req/s", text)
done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
n = int(done.group(1)) if done else 0
errs = (int(done.group(3)) + int(done.group(4))) if done else 0
non2xx = sum(int(codes.group(k)) for k in (2, 3, 4)) if codes else 0
cpu = "%.2f" % (ticks / hz * 1e6 / n) if n else "NA"
print("\t".join([rnd, name, rps.group(1) if rps else "0", str(errs), str(non2xx), cpu]))
PY
        tail -n 1 "$OUTDIR/results.tsv"
    done
done
