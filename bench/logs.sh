#!/usr/bin/env bash
# Log benchmark: how many lines per second Berth carries from one replica that writes as fast as it can (the
# fixture's --flood) to the journal and to the file driver, and the daemon's CPU time per 100,000 lines
# (utime+stime from /proc/PID/stat, before the flood and once its last line is stored). Also checks that every
# line arrived (Berth never drops one: a replica faster than the store is slowed down instead).
#
# usage: bench/logs.sh        env: LINES=200000 ROUNDS=3 SKIP_BUILD=1
# Needs a live journald for the journald rows (scripts/lib/setup.sh berth_start_journald starts one as root).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=${LINES:-200000}; ROUNDS=${ROUNDS:-3}
source "$ROOT/scripts/lib/setup.sh"
berth_need_packages libsystemd-dev pkg-config systemd python3

if [[ -z ${SKIP_BUILD:-} ]]; then
    echo "== building Berth (release, static Swift stdlib)"
    for product in berthd berth berth-fixture; do
        (cd "$ROOT" && swift build "${BERTH_RELEASE_BUILD[@]}" --product "$product" >>/tmp/berth-logbench-build.log 2>&1) \
            || { tail -20 /tmp/berth-logbench-build.log; exit 1; }
    done
fi
BIN=$ROOT/.build/release
WORK=$(mktemp -d /tmp/berth-logbench.XXXXXX)
DAEMON_PID=""
source "$ROOT/bench/lib/daemon.sh"
trap 'stop_daemon; berth_stop_journald; rm -rf "$WORK"' EXIT
berth_start_journald
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
journald_pid() { pgrep -x systemd-journal | head -n 1 || true; }

# One round: prints "lines_per_second cpu_ms_per_100k stored journald_cpu_ms_per_100k".
round() {
    local driver=$1 index=$2
    local project="logbench-$driver-$index-$$"
    local dir="$WORK/$project"
    mkdir -p "$dir"
    cat >"$dir/berth.yaml" <<YAML
name: $project
log: { driver: $driver }
services:
  flood:
    command: ["sh", "-c", "sleep 1; exec $BIN/berth-fixture --flood $LINES"]
    restart: { policy: never }
YAML
    BERTH_SOCKET="$dir/control.sock" BERTH_STATE_DIR="$dir/state" \
        "$BIN/berthd" --file "$dir/berth.yaml" --log-level warning >"$dir/berthd.out" 2>&1 &
    DAEMON_PID=$!
    sleep 0.6
    local before jbefore start
    before=$(cpu_ticks "$DAEMON_PID")
    local jpid; jpid=$(journald_pid)
    jbefore=$([[ -n $jpid ]] && cpu_ticks "$jpid" || echo 0)
    # The flood starts at 1.0 s; time from when its first line is stored to when its last one is.
    local first="" last=""
    local deadline=$((SECONDS + 300))
    while [[ -z $last && $SECONDS -lt $deadline ]]; do
        sleep 0.1
        if [[ $driver == file ]]; then
            local file="$dir/state/logs/flood.0.log"
            [[ -f $file ]] || continue
            [[ -n $first ]] || first=$(date +%s.%N)
            tail -c 300 "$file" | grep -q '"message":"flood done"' && last=$(date +%s.%N)
        else
            [[ -n $first ]] || { journalctl -q BERTH_PROJECT="$project" SYSLOG_IDENTIFIER=flood -n 1 -o cat 2>/dev/null | grep -q . \
                && first=$(date +%s.%N); }
            journalctl -q BERTH_PROJECT="$project" SYSLOG_IDENTIFIER=flood -n 3 -o cat 2>/dev/null \
                | grep -q '^flood done$' && last=$(date +%s.%N)
        fi
    done
    local after jafter
    after=$(cpu_ticks "$DAEMON_PID")
    jafter=$([[ -n $jpid ]] && cpu_ticks "$jpid" || echo 0)
    local stored
    if [[ $driver == file ]]; then
        # Rotation keeps the newest ~40 MB: count what is kept, and check it is the unbroken tail of the flood.
        stored=$(python3 - "$dir/state/logs/flood.0.log" "$LINES" <<'PY'
import json, os, sys
base, total = sys.argv[1], int(sys.argv[2])
numbers = []
for path in [f"{base}.{n}" for n in (3, 2, 1)] + [base]:
    if os.path.exists(path):
        for line in open(path):
            message = json.loads(line)["message"]
            if message.startswith("flood line "):
                numbers.append(int(message.split()[2]))
ok = numbers == list(range(total - len(numbers), total))
print(f"{len(numbers)}{'' if len(numbers) == total else ' (newest, rest rotated away)'}{'' if ok else ' GAP'}")
PY
)
    else
        stored=$(journalctl -q BERTH_PROJECT="$project" SYSLOG_IDENTIFIER=flood -o cat | grep -c '^flood line ')
    fi
    stop_daemon
    python3 - "$first" "$last" "$before" "$after" "$jbefore" "$jafter" "$TICKS" "$LINES" "$stored" <<'PY'
import sys
first, last, before, after, jb, ja, ticks, lines, stored = sys.argv[1:]
stored = stored.replace(" ", "_")
seconds = float(last) - float(first)
per100k = lambda d: (int(d) / int(ticks)) * 1000 * 100000 / int(lines)
print(f"{int(lines) / seconds:.0f} {per100k(int(after) - int(before)):.0f} {stored} {per100k(int(ja) - int(jb)):.0f}")
PY
}

drivers=(file)
if python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])' \
    /run/systemd/journal/socket 2>/dev/null; then
    drivers=(journald file)
else
    echo "no journald listens: journald rows skipped" >&2
fi

printf '\n| driver | round | lines/s | berthd CPU ms per 100k lines | journald CPU ms per 100k | lines stored of %s |\n' "$LINES"
printf '|---|---|---|---|---|---|\n'
for driver in "${drivers[@]}"; do
    for index in $(seq 1 "$ROUNDS"); do
        read -r rate cpu stored jcpu < <(round "$driver" "$index")
        [[ $driver == file ]] && jcpu="-"
        printf '| %s | %s | %s | %s | %s | %s |\n' "$driver" "$index" "$rate" "$cpu" "$jcpu" "${stored//_/ }"
    done
done
