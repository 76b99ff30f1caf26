#!/usr/bin/env bash
# The supervisor at scale: N replicas of a tiny C HTTP responder (bench/lib/tiny_http.c), `port: auto`, HTTP `ready`
# and `health` probes every second, for several N. For each N: time from `berth up -d` until every replica is ready,
# berthd's CPU (% of one core) at steady state, its RSS, and how long `berth status` takes (median of 5). Then the
# cost per replica, which should stay flat. Prints a table and writes the "Supervisor at scale" section of
# BENCHMARKS.md.
#
# usage: bash bench/scale.sh
# env (defaults): COUNTS="10 100 300 1000"  STEADY=10 (s of CPU measurement, after SETTLE=5 s)
#                 HEALTH_PATH=/ (another path, e.g. /h, makes ready and health two exchanges: no sharing)
#                 BIN_DIR=<repo>/.build-static/release (built here unless SKIP_BUILD=1)
#                 SWIFT_BUILD_FLAGS=--static-swift-stdlib  BENCHMARKS=<repo>/BENCHMARKS.md
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
COUNTS=${COUNTS:-10 100 300 1000}
STEADY=${STEADY:-10}
HEALTH_PATH=${HEALTH_PATH:-/}
SETTLE=${SETTLE:-5}
BENCHMARKS=${BENCHMARKS:-$REPO/BENCHMARKS.md}
SWIFT_BUILD_FLAGS=${SWIFT_BUILD_FLAGS---static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked}
BIN_DIR=${BIN_DIR:-$REPO/.build-static/release}
WORK=$(mktemp -d /tmp/berth-scale.XXXXXX)
DAEMON_PID=""
HZ=$(getconf CLK_TCK)

source "$REPO/bench/lib/daemon.sh"
STOP_WAIT=30
stop_on_exit "$WORK"
trap 'exit 130' INT TERM

if [[ -z ${SKIP_BUILD:-} ]]; then
    echo "== release build ($SWIFT_BUILD_FLAGS)"
    # shellcheck disable=SC2086
    swift build -c release $SWIFT_BUILD_FLAGS --scratch-path "$REPO/.build-static" --product berthd >/dev/null
    # shellcheck disable=SC2086
    swift build -c release $SWIFT_BUILD_FLAGS --scratch-path "$REPO/.build-static" --product berth >/dev/null
fi
cc -O2 -o "$WORK/tiny_http" "$REPO/bench/lib/tiny_http.c"
cc -O2 -o "$WORK/probe_floor" "$REPO/bench/lib/probe_floor.c"
# The kernel's share of one probe, measured with a C loop against one tiny_http: no daemon can probe for less.
FLOOR_PORT=$((20000 + RANDOM % 20000))
PORT=$FLOOR_PORT "$WORK/tiny_http" &
FLOOR_PID=$!
sleep 0.3
FLOOR_US=$("$WORK/probe_floor" "$FLOOR_PORT" 20000 || echo "?")
# The same loop over one kept-alive connection: the floor of berthd's kept-alive HTTP probes (docs/manifest.md).
KEPT_FLOOR_US=$("$WORK/probe_floor" "$FLOOR_PORT" 20000 keepalive || echo "?")
kill "$FLOOR_PID" 2>/dev/null || true
wait "$FLOOR_PID" 2>/dev/null || true
echo "probe floor: $FLOOR_US us of CPU per HTTP probe (C loop, loopback), $KEPT_FLOOR_US us kept alive"
ulimit -n "$(ulimit -Hn)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Context switches of all of berthd's threads: each is a thread going to sleep or being preempted, i.e. ~ wake-ups.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

echo "| replicas | all ready after | berthd CPU, steady | per replica | berthd wake-ups/s | berthd RSS | berthd threads | \`berth status\` (median of 5) |" \
    >"$WORK/table.md"
echo "|---|---|---|---|---|---|---|---|" >>"$WORK/table.md"
for n in $COUNTS; do
    project="$WORK/p$n"
    mkdir -p "$project"
    cat >"$project/berth.yaml" <<EOF
name: scale$n
services:
  tiny:
    command: ["$WORK/tiny_http"]
    replicas: $n
    port: auto
    ready: { http: /, interval: 1s, timeout: 1s }
    health: { http: $HEALTH_PATH, interval: 1s, timeout: 1s }
    stop: { timeout: 5s }
EOF
    export BERTH_STATE_DIR="$project/state" BERTH_SOCKET="$project/run/berthd.sock"
    started=$(now_ms)
    if ! "$BIN_DIR/berth" up -d -f "$project/berth.yaml" --timeout 120s >"$WORK/up$n.txt" 2>&1; then
        echo "berth up -d with $n replicas failed:"; tail -n 5 "$WORK/up$n.txt"
        DAEMON_PID=$(cat "$BERTH_STATE_DIR/berthd.pid" 2>/dev/null || true)
        echo "| $n | failed: $(tail -n 1 "$WORK/up$n.txt" | cut -c1-80) | | | | | | |" >>"$WORK/table.md"
        "$BIN_DIR/berth" down -f "$project/berth.yaml" >/dev/null 2>&1 || true
        continue
    fi
    ready_ms=$(( $(now_ms) - started ))
    DAEMON_PID=$(cat "$BERTH_STATE_DIR/berthd.pid")
    sleep "$SETTLE"
    t0=$(cpu_ticks "$DAEMON_PID"); w0=$(switches "$DAEMON_PID"); sleep "$STEADY"
    t1=$(cpu_ticks "$DAEMON_PID"); w1=$(switches "$DAEMON_PID")
    wakes=$(( (w1 - w0) / STEADY ))
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v s="$STEADY" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }')
    per=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.3f", c / n }')
    rss=$(rss_mb "$DAEMON_PID")
    threads=$(awk '/^Threads/ { print $2 }' "/proc/$DAEMON_PID/status")
    times=()
    for _ in 1 2 3 4 5; do
        s=$(now_ms); "$BIN_DIR/berth" status -f "$project/berth.yaml" >/dev/null; times+=($(( $(now_ms) - s )))
    done
    status_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
    ready=$("$BIN_DIR/berth" status -f "$project/berth.yaml" --json | python3 -c \
        'import json,sys; d=json.load(sys.stdin); print(sum(1 for s in d["services"] for r in s["replicas"] if r.get("ready")))' \
        2>/dev/null || echo "?")
    echo "| $n | $(awk -v m="$ready_ms" 'BEGIN { printf "%.2f s", m / 1000 }') | $cpu % | $per % | $wakes | $rss MB | $threads | ${status_ms} ms |" \
        >>"$WORK/table.md"
    echo "N=$n: ready after ${ready_ms} ms, CPU $cpu %, $wakes wake-ups/s, RSS $rss MB, $threads threads, status ${status_ms} ms," \
        "$ready ready at the end"
    "$BIN_DIR/berth" down -f "$project/berth.yaml" >/dev/null
    DAEMON_PID=""
done

{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/scale.sh\` on $(nproc) cores (load average before the"
    echo "run: $(cut -d' ' -f1-3 /proc/loadavg)); binaries from ${BIN_DIR#$REPO/} ($SWIFT_BUILD_FLAGS). Each replica is"
    echo "\`bench/lib/tiny_http.c\` with \`port: auto\` and HTTP \`ready\` (\`/\`) and \`health\` (\`$HEALTH_PATH\`) probes every second; CPU is"
    echo "berthd's (user + system) over ${STEADY} s after ${SETTLE} s of steady state, in % of one core; \`berth status\`"
    echo "includes the CLI's own start-up; threads are berthd's at steady state; wake-ups/s are the context switches"
    echo "of all of berthd's threads per second (/proc). Targets (issue 16): 1,000 replicas"
    echo "all ready within 5 s, CPU <= 5 %, RSS <= 60 MB, \`berth status\` <= 100 ms, per-replica cost flat."
    echo
    echo "The floor: a C loop (\`bench/lib/probe_floor.c\`) doing the same HTTP probe against one tiny_http costs"
    echo "**$FLOOR_US µs** of CPU per probe on this machine (the kernel's loopback TCP: connect, send, read, close),"
    echo "so 1,000 replicas probed twice a second cost at least $(awk -v f="$FLOOR_US" 'BEGIN { printf "%.1f", f * 2000 / 1e4 }') % of a core"
    echo "before any supervisor work; the same loop over one kept-alive connection (a request and its response per"
    echo "probe, as berthd's HTTP probes by default) costs **$KEPT_FLOOR_US µs**, i.e. at least"
    echo "$(awk -v f="$KEPT_FLOOR_US" 'BEGIN { printf "%.1f", f * 2000 / 1e4 }') % of a core for 2,000 probes a second"
    echo "($(awk -v f="$KEPT_FLOOR_US" 'BEGIN { printf "%.1f", f * 1000 / 1e4 }') % for 1,000: a \`ready\` and a \`health\` probe with the same request share one exchange,"
    echo "docs/manifest.md)."
    echo
    cat "$WORK/table.md"
} >"$WORK/report.md"
cat "$WORK/report.md"
python3 "$REPO/bench/lib/update_section.py" "$BENCHMARKS" "Supervisor at scale" "$WORK/report.md"
