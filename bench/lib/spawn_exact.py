#!/usr/bin/env python3
"""Exact "N children all spawned" for bench/supervisor.sh: starts a supervisor with N children that each stamp their
CLOCK_MONOTONIC right after exec (spawn_stamp.c), and reads the stamps instead of polling the supervisor.

usage: spawn_exact.py --kind berth|supervisord --cmd-prefix ... --stamp BIN --n N --trials T --work DIR --json OUT
Figures per trial, from just before the supervisor is started: the first child, the last child (all spawned) and
the span between them. The supervisor is stopped with SIGTERM (it stops its children), SIGKILL after 15 s.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--kind", choices=["berth", "supervisord"], required=True)
ap.add_argument("--exe", required=True, help="berthd or supervisord")
ap.add_argument("--stamp", required=True)
ap.add_argument("--n", type=int, default=100)
ap.add_argument("--trials", type=int, default=3)
ap.add_argument("--work", required=True)
ap.add_argument("--json", required=True)
ap.add_argument("--timeout", type=float, default=30.0)
a = ap.parse_args()


def command(trial, stamps):
    base = os.path.join(a.work, "%s-%d" % (a.kind, trial))
    os.makedirs(base, exist_ok=True)
    if a.kind == "berth":
        manifest = os.path.join(base, "spawn.yaml")
        with open(manifest, "w") as f:
            f.write("name: bench-spawn\nservices:\n  stamp:\n")
            f.write("    command: [%s, %s]\n    replicas: %d\n" % (json.dumps(a.stamp), json.dumps(stamps), a.n))
        return [a.exe, "-f", manifest, "--socket", os.path.join(base, "d.sock"),
                "--state-dir", os.path.join(base, "state")]
    conf = os.path.join(base, "supervisord.conf")
    with open(conf, "w") as f:
        f.write("[unix_http_server]\nfile=%s/sd.sock\n" % base)
        f.write("[supervisord]\nnodaemon=true\nlogfile=%s/sd.log\npidfile=%s/sd.pid\nchildlogdir=%s\n"
                % (base, base, base))
        f.write("[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n")
        for i in range(a.n):
            f.write("[program:p%d]\ncommand=%s %s\nstartsecs=0\nautorestart=false\n"
                    "stdout_logfile=NONE\nstderr_logfile=NONE\n" % (i, a.stamp, stamps))
    return [a.exe, "-c", conf]


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


trials = []
for trial in range(a.trials):
    stamps = os.path.join(a.work, "%s-%d.stamps" % (a.kind, trial))
    argv = command(trial, stamps)
    log = open(os.path.join(a.work, "%s-%d.log" % (a.kind, trial)), "w")
    t0 = time.monotonic_ns()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        lines = []
        while True:
            if os.path.exists(stamps):
                with open(stamps) as f:
                    lines = [l.split() for l in f.read().splitlines() if l.strip()]
            if len(lines) >= a.n:
                break
            if proc.poll() is not None:
                sys.exit("spawn_exact.py: %s exited early (rc=%s)" % (a.kind, proc.returncode))
            if (time.monotonic_ns() - t0) / 1e9 > a.timeout:
                sys.exit("spawn_exact.py: only %d of %d children after %.0f s" % (len(lines), a.n, a.timeout))
            time.sleep(0.005)
        times = sorted(int(ns) for _, ns in lines[: a.n])
        ms = lambda ns: round((ns - t0) / 1e6, 2)
        trials.append(dict(first_ms=ms(times[0]), all_spawned_ms=ms(times[-1]),
                           span_ms=round((times[-1] - times[0]) / 1e6, 2)))
        print("%s trial %d: first child %.1f ms, all %d %.1f ms after start (span %.1f ms)"
              % (a.kind, trial + 1, trials[-1]["first_ms"], a.n, trials[-1]["all_spawned_ms"],
                 trials[-1]["span_ms"]), flush=True)
    finally:
        stop(proc)
        log.close()
    time.sleep(1)

summary = {k: statistics.median(t[k] for t in trials) for k in ("first_ms", "all_spawned_ms", "span_ms")}
with open(a.json, "w") as f:
    json.dump(dict(kind=a.kind, n=a.n, trials=trials, median=summary), f, indent=1)
