#!/usr/bin/env bash
# Where a restart's time goes, from the kernel's own timestamps (perf tracepoints, root): for each kill -9 of a
# supervised tiny_http.py, kill -> old child exited -> berthd's clone of the replacement -> the replacement's execve.
# Load distorts these less than a /proc poll: each step is stamped when it happens, not when a poll sees it.
#
# usage: bash bench/lib/restart_trace.sh BERTHD [LABEL] [KILLS]   (e.g. BERTHD=.build-static/release/berthd)
# Several binaries side by side: call it once per binary, alternating, and compare the medians of one run.
# DETAIL=1 also records the scheduler's wake-ups and every system call (heavier: compare DETAIL runs with DETAIL runs)
# and splits exit -> clone: the old child's teardown until it wakes its parent's threads (the kernel's, the same for
# any supervisor), that wake-up -> berthd's waitid/wait4 reaping it, the reap -> the clone, and which thread cloned.
set -euo pipefail
BERTHD=$1
LABEL=${2:-berthd}
KILLS=${3:-15}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PEER_BENCH=${PEER_BENCH:-$REPO/../shared/peer-bench}
command -v perf >/dev/null || { echo "restart_trace.sh: needs perf" >&2; exit 1; }
WORK=$(mktemp -d /tmp/berth-restart-trace.XXXXXX)
PORT=${PORT:-$((20000 + RANDOM % 20000))}
source "$REPO/bench/lib/restart_manifest.sh"
write_restart_manifest "$WORK/restart.yaml" restart-trace "$PORT"
"$BERTHD" -f "$WORK/restart.yaml" --socket "$WORK/control.sock" --state-dir "$WORK/state" >"$WORK/berthd.log" 2>&1 &
DAEMON=$!
trap 'kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null || true; rm -rf "$WORK"' EXIT
child() { cat /proc/"$DAEMON"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -m1 . || true; }
for _ in $(seq 100); do
    c=$(child)
    [[ -n $c ]] && grep -q tiny_http "/proc/$c/cmdline" 2>/dev/null && break
    sleep 0.1
done
sleep 1
FIRST=$(child)
[[ -n $FIRST ]] || { echo "restart_trace.sh: berthd started no child (berthd reads its manifest through berth:" \
    "BERTH_CLI=…); its log:" >&2; cat "$WORK/berthd.log" >&2; exit 1; }
EVENTS=sched:sched_process_exit,sched:sched_process_fork,sched:sched_process_exec,signal:signal_generate
[[ ${DETAIL:-0} == 1 ]] && EVENTS+=,sched:sched_wakeup,raw_syscalls:sys_exit
perf record -q -a -o "$WORK/perf.data" -e "$EVENTS" -- \
    bash -c "for i in \$(seq $KILLS); do
        kill -9 \$(cat /proc/$DAEMON/task/*/children | tr ' ' '\n' | grep -m1 .); sleep 1.2
    done" 2>/dev/null
perf script -i "$WORK/perf.data" -F comm,pid,tid,time,event,trace 2>/dev/null >"$WORK/script.txt"
python3 - "$WORK/script.txt" "$DAEMON" "$LABEL" "$FIRST" <<'PY'
import collections
import re
import statistics
import sys

path, daemon, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ours = {int(sys.argv[4])}  # berthd's children: the machine's other kills (perf -a) are not ours
events = []
for line in open(path):
    m = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)", line)
    if m:
        events.append((float(m.group(4)), m.group(5), int(m.group(2)), m.group(6), m.group(1), int(m.group(3))))
detail = any(e[1] == "raw_syscalls:sys_exit" for e in events)
ours |= {int(re.search(r"child_pid=(\d+)", e[3]).group(1)) for e in events
         if e[1] == "sched:sched_process_fork" and e[2] == daemon}
rows = []
cloners = collections.Counter()
for k, (t, name, pid, rest, _, _) in enumerate(events):
    if name != "signal:signal_generate" or "sig=9" not in rest:
        continue
    victim = int(re.search(r"pid=(\d+)", rest).group(1))
    if victim not in ours:
        continue
    exited = woke = reaped = cloned = execed = new = reaper = None
    reap = re.compile(r"NR (61|247) = (%d|0)$" % victim)  # wait4 returns the pid, waitid 0
    for t2, n2, p2, r2, comm, tid in events[k + 1:]:
        if n2 == "sched:sched_process_exit" and p2 == victim and exited is None:
            exited = t2
        elif n2 == "sched:sched_wakeup" and p2 == victim and exited is not None and woke is None:
            woke = t2
        elif n2 == "raw_syscalls:sys_exit" and p2 == daemon and woke is not None and reaped is None and reap.search(r2):
            reaped, reaper = t2, tid
        elif n2 == "sched:sched_process_fork" and p2 == daemon and exited is not None and cloned is None:
            cloned, new = t2, int(re.search(r"child_pid=(\d+)", r2).group(1))
            cloners["the reaping thread" if tid == reaper else "another thread"] += 1
        elif n2 == "sched:sched_process_exec" and new is not None and p2 == new:
            execed = t2
            break
    if exited and cloned and execed:
        ms = lambda a, b: (b - a) * 1e3 if a is not None and b is not None else None
        rows.append((ms(t, exited), ms(exited, cloned), ms(cloned, execed), ms(t, execed),
                     ms(exited, woke), ms(woke, reaped), ms(reaped, cloned)))
if not rows:
    sys.exit("restart_trace.sh: no complete kill found")
def med(i):
    xs = [r[i] for r in rows if r[i] is not None]
    return statistics.median(xs) if xs else float("nan")
print(f"{label}: {len(rows)} kills, medians (ms): kill->exit {med(0):.3f}, exit->clone {med(1):.3f}, "
      f"clone->exec {med(2):.3f}, kill->exec {med(3):.3f} (min {min(r[3] for r in rows):.3f})")
if detail:
    print(f"{label}: exit->clone split (medians, ms): exit->teardown done {med(4):.3f}, ->reaped {med(5):.3f}, "
          f"reaped->clone {med(6):.3f}; cloned by {dict(cloners)}")
PY
