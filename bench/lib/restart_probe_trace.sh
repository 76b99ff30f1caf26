#!/usr/bin/env bash
# The peer bench's own restart probe (restart_probe.py, as bench/supervisor.sh runs it) with the kernel's timestamps
# beside it: for each kill -9 of the supervised tiny_http.py, kill -> the old child's exit starts -> it is a zombie
# (its teardown done) -> the replacement is cloned -> it exec'd, and what the probe reported (a /proc poll: its
# "new pid" is the start of the poll round that saw the exec'd child, up to one round of ~0.85 ms late, or early
# by the round's own scan). Unlike bench/lib/restart_trace.sh the probe runs, so its CPU use is in the figures, as
# it is in the bench's.
#
# usage: bash bench/lib/restart_probe_trace.sh BIN_DIR [LABEL] [TRIALS]   (BIN_DIR holds berthd and berth)
# Compare binaries by calling it once per binary, alternating; the medians of one run move by ~0.2 ms between runs.
set -euo pipefail
BIN=$1
LABEL=${2:-berthd}
TRIALS=${3:-15}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PEER_BENCH=${PEER_BENCH:-$REPO/../shared/peer-bench}
command -v perf >/dev/null || { echo "restart_probe_trace.sh: needs perf" >&2; exit 1; }
WORK=$(mktemp -d /tmp/berth-restart-probe.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=${PORT:-$((20000 + RANDOM % 20000))}
source "$REPO/bench/lib/restart_manifest.sh"
write_restart_manifest "$WORK/restart.yaml" restart-probe-trace "$PORT"
perf record -q -a -k CLOCK_MONOTONIC -o "$WORK/perf.data" \
    -e sched:sched_process_exec,sched:sched_process_exit,signal:signal_generate,sched:sched_switch \
    -e sched:sched_wakeup_new -- \
    python3 "$PEER_BENCH/lib/restart_probe.py" \
    --start-cmd "$BIN/berthd -f $WORK/restart.yaml --socket $WORK/control.sock --state-dir $WORK/state" \
    --child-match tiny_http --port "$PORT" --trials "$TRIALS" --settle 1.5 --json "$WORK/probe.json" \
    --log "$WORK/berthd.log" >"$WORK/probe.txt" 2>&1 || { tail -5 "$WORK/probe.txt" >&2; exit 1; }
perf script -i "$WORK/perf.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null >"$WORK/script.txt"
python3 - "$WORK" "$LABEL" <<'PY'
import json
import re
import statistics
import sys

work, label = sys.argv[1], sys.argv[2]
events = []
for line in open(work + "/script.txt"):
    m = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)", line)
    if m:
        events.append((m.group(1), float(m.group(5)), m.group(6), m.group(7)))
trials = json.load(open(work + "/probe.json"))["raw"]
# The probe's kills (a python3 sending SIGKILL), in order: one per trial.
kills = [e for e in events if e[2] == "signal:signal_generate" and "sig=9 " in e[3] and e[0] == "python3"]
rows = []
for trial, kill in zip(trials, kills):
    t0 = kill[1]

    def first(pred):
        return next(((e[1] - t0) * 1e3 for e in events if e[1] > t0 and pred(e)), None)

    exit_ = first(lambda e: e[2] == "sched:sched_process_exit")
    zombie = first(lambda e: e[2] == "sched:sched_switch" and "prev_state=Z" in e[3])
    clone = first(lambda e: e[2] == "sched:sched_wakeup_new")
    exec_ = first(lambda e: e[2] == "sched:sched_process_exec" and "python3" in e[3])
    if None not in (exit_, zombie, clone, exec_):
        rows.append((exit_, zombie - exit_, clone - zombie, exec_ - clone, exec_, trial["new_pid_ms"]))
med = lambda i: statistics.median(r[i] for r in rows)
print(f"{label}: {len(rows)} kills, medians (ms): kill->exit {med(0):.2f}, exit->zombie (teardown) {med(1):.2f}, "
      f"zombie->clone {med(2):.2f}, clone->exec {med(3):.2f}; kernel kill->exec {med(4):.2f}; "
      f"the probe's new pid {med(5):.2f} (mean {statistics.mean(r[5] for r in rows):.2f})")
PY
