"""The scenarios. Each is a function (bins, short, result) that fills in a Result: the load, the faults, the counts,
the daemon's RSS and fds before and after, and its assertions (result.check)."""
import glob, json, os, random, re, signal, socket, subprocess, time

import namespaced

from harness import Load, Poller, Project, alive, cpu_seconds, open_fds, rss_kb


class Scenario:
    """run(bins, short, result) runs it here; a scenario with unshare flags runs inner() in a new namespace."""

    def __init__(self, letter, name, run, unshare=None):
        self.letter, self.name = letter, name
        if unshare:
            self.inner = run
            self.run = lambda bins, short, result: namespaced.run_inside(unshare, self, bins, short, result)
        else:
            self.run = run


class Result:
    def __init__(self, scenario):
        self.scenario = scenario
        self.load = "-"
        self.faults = "-"
        self.sent = self.failed = self.lost = None
        self.rss = [None, None]
        self.fds = [None, None]
        self.checks = []
        self.seconds = 0.0
        self.skipped = None

    def check(self, description, ok, detail=""):
        self.checks.append((description, bool(ok), detail))
        return ok

    def measure(self, which, pid):
        self.rss[which] = rss_kb(pid)
        self.fds[which] = open_fds(pid)

    def counts(self, load):
        self.sent, self.failed, self.lost = load.sent, load.failed, load.lost

    @property
    def passed(self):
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def row(self):
        def mb(kb):
            return "?" if kb is None else f"{kb / 1024:.1f}"

        def num(value):
            return "-" if value is None else str(value)
        held = sum(1 for _, ok, _ in self.checks if ok)
        verdict = f"{'held' if self.passed else 'FAILED'} ({held}/{len(self.checks)})"
        if self.skipped:
            verdict = f"skipped: {self.skipped}"
        return (f"| {self.scenario.letter}. {self.scenario.name} | {self.load} | {self.faults} | {num(self.sent)} "
                f"| {num(self.failed)} | {num(self.lost)} | {mb(self.rss[0])} → {mb(self.rss[1])} "
                f"| {num(self.fds[0])} → {num(self.fds[1])} | {self.seconds:.0f} | {verdict} |")


HEADER = """name: {name}
log: {{ driver: file }}
gateway:
  listen: 127.0.0.1:{port}
  access_log: false
"""

CLIENTS = 8


def no_leak_checks(result, project, expected):
    """The daemon is still there and its fds did not grow; exactly the expected replicas run (none orphaned)."""
    result.check("daemon alive at the end", project.daemon.poll() is None, project.log_text()[-1500:])
    if result.fds[0] is not None and result.fds[1] is not None:
        result.check("daemon fds did not grow by more than 16", result.fds[1] <= result.fds[0] + 16,
                     f"{result.fds[0]} -> {result.fds[1]}")
    in_proc = project.replicas_in_proc()
    result.check(f"{expected} replica processes in /proc, no orphan", len(in_proc) == expected, f"pids {in_proc}")


def load_checks(result, load):
    result.check("zero failed", load.failed == 0, f"{load.failures[:5]}")
    result.check("zero lost", load.lost == 0, f"{load.losses[:5]}")
    result.check("requests were served", load.ok > 0)


# --- a. random kill -9 of replicas every second -----------------------------------------------------------------
def kill_replicas(bins, short, result):
    duration = 10 if short else 60
    project = Project(bins, "a", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}"]
    replicas: 3
    port: auto
    ready: {{ http: /ready, interval: 100ms }}
    restart: {{ backoff: {{ initial: 10ms, max: 100ms }}, give_up: {{ restarts: 1000, within: 60s }} }}
""")
    try:
        project.start()
        project.wait_ready({"web": 3})
        load = Load(project.port, CLIENTS, "/sleep?ms=5").start()
        time.sleep(1)
        result.measure(0, project.pid)
        kills = 0
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            pids = project.ready_pids("web")
            if pids:
                os.kill(random.choice(pids), signal.SIGKILL)
                kills += 1
            time.sleep(1)
        time.sleep(1)
        load.stop()
        project.wait_ready({"web": 3}, timeout=20)
        time.sleep(0.5)
        result.measure(1, project.pid)
        result.load = f"GET, {CLIENTS} clients, {duration + 2} s"
        result.faults = f"{kills} × kill -9 of a random replica (1/s)"
        result.counts(load)
        load_checks(result, load)
        no_leak_checks(result, project, 3)
    finally:
        project.stop()


# --- b. a hung replica (SIGSTOP) ----------------------------------------------------------------------------------
def hung_replica(bins, short, result):
    duration = 8 if short else 30
    project = Project(bins, "b", HEADER + """  routes:
    - {{ path: /, service: web, timeout: 5s, retries: 2 }}
services:
  web:
    command: ["{fixture}"]
    replicas: 3
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
    health: {{ http: /healthz, interval: 500ms, timeout: 300ms, failure_threshold: 2 }}
    stop: {{ timeout: 1s }}
""")
    try:
        project.start()
        status = project.wait_ready({"web": 3})
        load = Load(project.port, CLIENTS, "/").start()

        def timed_status():
            started = time.monotonic()
            answer = project.status(timeout=10)
            return time.monotonic() - started, answer is not None
        poller = Poller(timed_status, 0.2).start()
        time.sleep(1)
        result.measure(0, project.pid)
        replicas = project.service("web", status)["replicas"]
        victim = replicas[0]
        os.kill(victim["pid"], signal.SIGSTOP)
        stopped_at = time.monotonic()
        replaced_after = None
        while time.monotonic() - stopped_at < duration:
            if replaced_after is None:
                web = project.service("web")
                again = [r for r in (web or {}).get("replicas", []) if r["index"] == victim["index"]]
                if again and again[0].get("pid") not in (None, victim["pid"]) and again[0].get("ready"):
                    replaced_after = time.monotonic() - stopped_at
            time.sleep(0.2)
        load.stop()
        poller.stop()
        project.wait_ready({"web": 3}, timeout=20)
        result.measure(1, project.pid)
        result.load = f"GET, {CLIENTS} clients, {duration + 1} s; route timeout 5s, retries 2"
        result.faults = "SIGSTOP of 1 of 3 replicas"
        result.counts(load)
        load_checks(result, load)
        result.check("the liveness probe replaced the hung replica within 5 s",
                     replaced_after is not None and replaced_after < 5, f"after {replaced_after}")
        result.check("the hung process is gone", not alive(victim["pid"]))
        latencies = [r[0] for r in poller.results if isinstance(r, tuple)]
        answered = all(r[1] for r in poller.results if isinstance(r, tuple))
        worst = max(latencies) if latencies else None
        result.check("berth status answered every time, each within 1 s",
                     latencies and answered and worst < 1.0, f"{len(latencies)} calls, slowest {worst}")
        result.check("no request waited longer than 2 s", load.max_latency < 2.0, f"slowest {load.max_latency:.2f} s")
        no_leak_checks(result, project, 3)
        result.faults += f" (replaced after {replaced_after:.1f} s)" if replaced_after else ""
    finally:
        project.stop()


# --- c. replicas that close mid-response or answer garbage ---------------------------------------------------------
def bad_replicas(bins, short, result):
    duration = 8 if short else 30
    project = Project(bins, "c", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["python3", "{replica}", "--bad", "0:close-head,1:garbage"]
    replicas: 4
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
""")
    try:
        project.start()
        project.wait_ready({"web": 4})

        def ejected():
            web = project.service("web")
            return {r["index"] for r in (web or {}).get("replicas", []) if r.get("ejected_s")}
        poller = Poller(ejected, 0.1).start()
        result.measure(0, project.pid)
        load = Load(project.port, CLIENTS, "/").start()
        time.sleep(duration)
        load.stop()
        poller.stop()
        result.measure(1, project.pid)
        seen_ejected = set().union(*[r for r in poller.results if isinstance(r, set)])
        result.load = f"GET, {CLIENTS} clients, {duration} s"
        result.faults = "replica 0 closes mid-head, replica 1 answers garbage (of 4)"
        result.counts(load)
        clean = [f for f in load.failures if f[1] == 502 and '"error"' in f[2] and '"code"' in f[2]]
        result.check("every failure is a clean 502 with the gateway's JSON error", len(clean) == load.failed,
                     f"{[f for f in load.failures if f not in clean][:3]}")
        result.check("zero lost", load.lost == 0, f"{load.losses[:5]}")
        result.check("failures stay few (bad replicas ejected): <= 1% of requests",
                     load.failed <= max(10, load.sent // 100), f"{load.failed} of {load.sent}")
        result.check("both bad replicas were ejected (ejected_s in status)", {0, 1} <= seen_ejected,
                     f"seen {sorted(seen_ejected)}")
        good = load.bodies.get("replica=2", 0) + load.bodies.get("replica=3", 0)
        result.check("the good replicas served every 2xx", good == load.ok and good > 0, f"{load.bodies}")
        no_leak_checks(result, project, 4)
    finally:
        project.stop()


# --- d. a crash-looping service next to healthy ones ---------------------------------------------------------------
def crash_loop(bins, short, result):
    restarts = 6 if short else 10
    project = Project(bins, "d", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}"]
    replicas: 2
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
  crash:
    command: ["{fixture}", "--exit-immediately", "3"]
    replicas: 2
    restart: {{ backoff: {{ initial: 200ms, max: 1s, multiplier: 2, jitter: 0 }}, """
                      f"give_up: {{{{ restarts: {restarts}, within: 60s }}}} }}}}\n")
    try:
        project.start()
        status = project.wait_ready({"web": 2})
        web_pids = project.ready_pids("web", status)
        load = Load(project.port, CLIENTS, "/").start()
        result.measure(0, project.pid)
        cpu0, t0 = cpu_seconds(project.pid), time.monotonic()
        gave_up = None
        while time.monotonic() - t0 < 30:
            crash = project.service("crash")
            replicas = (crash or {}).get("replicas", [])
            if replicas and all(r["state"] == "failed" for r in replicas):
                gave_up = replicas
                break
            time.sleep(0.2)
        cpu1, t1 = cpu_seconds(project.pid), time.monotonic()
        time.sleep(3)
        cpu2, t2 = cpu_seconds(project.pid), time.monotonic()
        load.stop()
        result.measure(1, project.pid)
        loop_cpu = (cpu1 - cpu0) / (t1 - t0)
        after_cpu = (cpu2 - cpu1) / (t2 - t1)
        table = project.berth("status").stdout
        result.load = f"GET, {CLIENTS} clients, {t2 - t0:.0f} s, to the healthy service"
        result.faults = (f"2 replicas exiting at once, give_up {restarts} restarts; gave up after {t1 - t0:.1f} s; "
                         f"daemon CPU {loop_cpu * 100:.0f}% during the loop, {after_cpu * 100:.0f}% after")
        result.counts(load)
        load_checks(result, load)
        result.check("the crash loop gave up (every replica failed)", gave_up is not None,
                     f"{project.service('crash')}")
        reasons = [r.get("reason") or "" for r in (gave_up or [])]
        result.check("status says 'gave up'", all(r.startswith("gave up") for r in reasons) and "gave up" in table,
                     f"{reasons} / {table}")
        result.check(f"each replica restarted exactly {restarts} times",
                     all(r["restarts"] == restarts for r in (gave_up or [{}])), f"{gave_up}")
        result.check("the healthy replicas kept their pids", project.ready_pids("web") == web_pids,
                     f"{web_pids} -> {project.ready_pids('web')}")
        result.check("the loop cost the daemon < 10% of a core over the same load without it",
                     loop_cpu - after_cpu < 0.10, f"{loop_cpu:.3f} vs {after_cpu:.3f}")
        no_leak_checks(result, project, 2)
    finally:
        project.stop()


# --- e. berthd SIGKILLed in the middle of a rollout ----------------------------------------------------------------
def daemon_killed_mid_rollout(bins, short, result):
    rounds = 1 if short else 3
    project = Project(bins, "e", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}", "--ready-after", "400"]
    replicas: 3
    port: auto
    ready: {{ http: /ready, interval: 100ms }}
    rollout: {{ max_surge: 1, max_unavailable: 0, ready_timeout: 10s }}
""")
    try:
        project.start()
        project.wait_ready({"web": 3}, timeout=30)
        result.measure(0, project.pid)
        sent = lost = failed = 0
        for round_number in range(rounds):
            old_daemon = project.pid
            restart = subprocess.Popen([f"{bins}/berth", "restart", "web", "--timeout", "30s"], cwd=project.root,
                                       env=project.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # wait until the rollout is under way: a generation-2 replica beside the old ones
            mid = False
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not mid:
                web = project.service("web") or {}
                mid = any(r.get("generation") == 2 for r in web.get("replicas", [])) and web.get("rollout")
                time.sleep(0.02)
            before_kill = project.replicas_in_proc()
            project.kill_daemon(signal.SIGKILL)
            restart.wait(timeout=30)
            result.check(f"round {round_number + 1}: killed while a rollout ran, {len(before_kill)} processes",
                         mid and len(before_kill) >= 4, f"mid={mid} pids={before_kill}")
            project.start()
            status = project.wait_ready({"web": 3}, timeout=30)
            web = project.service("web", status)
            in_proc = project.replicas_in_proc()
            status_pids = sorted(r["pid"] for r in web["replicas"])
            result.check(f"round {round_number + 1}: exactly the 3 replicas of the new daemon run (no duplicate, "
                         "no orphan)", in_proc == status_pids and len(in_proc) == 3,
                         f"/proc {in_proc} status {status_pids} before the kill {before_kill}")
            result.check(f"round {round_number + 1}: none of the old processes survived",
                         not set(before_kill) & set(in_proc), f"{before_kill} vs {in_proc}")
            result.check(f"round {round_number + 1}: converged to the spec (3 ready, one generation, no rollout)",
                         web["desired"] == 3 and not web.get("rollout")
                         and len({r.get("generation") for r in web["replicas"]}) == 1,
                         json.dumps(web)[:500])
            result.check(f"round {round_number + 1}: the new daemon says it stopped the old processes",
                         "stopped processes left by a previous daemon" in project.log_text(),
                         f"old daemon {old_daemon}")
            load = Load(project.port, CLIENTS, "/").start()
            finished = project.berth("restart", "web", "--timeout", "30s")
            time.sleep(0.3)
            load.stop()
            sent, failed, lost = sent + load.sent, failed + load.failed, lost + load.lost
            web = project.service("web")
            result.check(f"round {round_number + 1}: a rollout after the restart completes under load, no loss",
                         finished.returncode == 0 and load.failed == 0 and load.lost == 0
                         and {r.get("generation") for r in web["replicas"]} == {2},
                         f"{finished.stdout}{finished.stderr} {load.failures[:3]} {load.losses[:3]} {web}")
        result.measure(1, project.pid)
        result.load = "GET, 8 clients, during the rollout after each daemon restart (none while it is down)"
        result.faults = f"{rounds} × SIGKILL of berthd mid `berth restart`, then berthd started again"
        result.sent, result.failed, result.lost = sent, failed, lost
        no_leak_checks(result, project, 3)
    finally:
        project.stop()


# --- f. journald stopped and restarted while services log ---------------------------------------------------------
JOURNALD = "/lib/systemd/systemd-journald"
JOURNAL_SOCKET = "/run/systemd/journal/socket"


def start_journald():
    journald = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            probe.connect(JOURNAL_SOCKET)
            return journald
        except OSError:
            time.sleep(0.05)
        finally:
            probe.close()
    raise RuntimeError("journald did not come up")


def journald_gap(bins, short, result):
    """Inside a private mount namespace: a journald of our own on tmpfs, stopped (SIGTERM) and started again."""
    gap = 2 if short else 10
    for path in ("/run/systemd/journal", "/run/log/journal"):
        namespaced.mount_tmpfs(path)
    if os.path.isdir("/var/log/journal"):
        namespaced.mount_tmpfs("/var/log/journal")
    journald = start_journald()
    project = Project(bins, "f", HEADER.replace("driver: file", "driver: journald") + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["python3", "{replica}", "--log-every", "2"]
    replicas: 2
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
""")
    try:
        project.start()
        project.wait_ready({"web": 2})
        load = Load(project.port, CLIENTS, "/").start()
        time.sleep(1)
        result.measure(0, project.pid)
        time.sleep(1)
        journald.terminate()
        journald.wait(timeout=10)
        time.sleep(gap)
        journald = start_journald()
        time.sleep(2.5)
        load.stop()
        result.measure(1, project.pid)
        daemon_alive = project.daemon.poll() is None
        project.berth("down", "--timeout", "15s", timeout=30)
        project.daemon.wait(timeout=20)
        journal = subprocess.run(["journalctl", f"BERTH_PROJECT={project.name}", "-o", "json", "--no-pager"],
                                 capture_output=True, text=True, timeout=60).stdout.splitlines()
        entries = [json.loads(line) for line in journal if line.strip()]
        files = []
        for path in glob.glob(f"{project.state_dir}/logs/*.log*"):
            with open(path) as f:
                files += [json.loads(line) for line in f if line.strip()]
        seen = {}
        pattern = re.compile(r"seq (\d+) replica=(\d+) pid=(\d+)")
        for where, message in [("journal", e.get("MESSAGE", "")) for e in entries] + \
                              [("file", e.get("message", "")) for e in files]:
            match = pattern.match(message if isinstance(message, str) else "")
            if match:
                seen.setdefault(match.group(3), {})[int(match.group(1))] = where
        missing = {}
        for pid, numbers in seen.items():
            lacking = [n for n in range(1, max(numbers) + 1) if n not in numbers]
            if lacking:
                missing[pid] = lacking
        in_files = sum(1 for numbers in seen.values() for where in numbers.values() if where == "file")
        total = sum(len(numbers) for numbers in seen.values())
        fallback_events = [e for e in files if e.get("event") == "log_fallback"]
        recovered_events = [e for e in entries if e.get("BERTH_EVENT") == "log_recovered"]
        result.load = f"GET, {CLIENTS} clients; 2 replicas logging a numbered line every 2 ms"
        result.faults = f"journald stopped for {gap} s, then started again; {in_files} of {total} lines went to files"
        result.counts(load)
        load_checks(result, load)
        result.check("daemon alive through the gap", daemon_alive, project.log_text()[-1500:])
        result.check("every numbered line is stored (journal or file), none lost", seen and not missing,
                     f"{ {pid: (len(m), m[:10]) for pid, m in missing.items()} }")
        result.check("lines during the gap went to the file driver", in_files > 0)
        result.check("the gap's start is an event in the files (log_fallback)", len(fallback_events) == 1,
                     f"{fallback_events}")
        result.check("the gap is reported in the journal once it is back (log_recovered)",
                     len(recovered_events) == 1, f"{[e.get('MESSAGE') for e in recovered_events]}")
    finally:
        project.stop()
        if journald.poll() is None:
            journald.terminate()
            journald.wait(timeout=10)


# --- g. resource limits -------------------------------------------------------------------------------------------
def status_check(project):
    result = project.berth("status", timeout=15)
    return result.returncode, (result.stdout + result.stderr).strip()


def low_fd_limit(bins, short, result):
    limit = 256
    project = Project(bins, "g1", HEADER + """  header_timeout: 60s
  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}"]
    replicas: 2
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
""")
    hogs = []
    try:
        project.start(nofile=limit)
        kill_during = project.ready_pids("web", project.wait_ready({"web": 2}))
        result.measure(0, project.pid)
        # More idle client connections than the daemon has descriptors: the gateway takes what its budget allows
        # (docs/resources.md) and closes the rest at accept.
        for _ in range(limit + 50):
            hog = socket.create_connection(("127.0.0.1", project.port), timeout=5)
            hogs.append(hog)
        time.sleep(1)
        fds_full = open_fds(project.pid)
        cpu0, t0 = cpu_seconds(project.pid), time.monotonic()
        time.sleep(2)
        spin = (cpu_seconds(project.pid) - cpu0) / (time.monotonic() - t0)
        if os.environ.get("CHAOS_STRACE"):
            subprocess.run(["timeout", "2", "strace", "-c", "-f", "-p", str(project.pid), "-o", "/tmp/chaos-g1.strace"])
        try:
            code_full, text_full = status_check(project)
        except subprocess.TimeoutExpired:
            code_full, text_full = None, "no answer within 15 s (the control API cannot accept without a descriptor)"
        for hog in hogs:
            hog.close()
        hogs = []
        time.sleep(1.5)
        code_after, text_after = status_check(project)
        load = Load(project.port, CLIENTS, "/").start()
        time.sleep(2)
        load.stop()
        result.measure(1, project.pid)
        result.load = f"{limit + 50} idle client connections, then GET, {CLIENTS} clients, 2 s"
        result.faults = (f"berthd under ulimit -n {limit}, {limit + 50} clients; daemon holds {fds_full} descriptors "
                         f"(gateway capped, table never full); daemon CPU meanwhile {spin * 100:.0f}%")
        result.counts(load)
        result.check("daemon alive with more clients than descriptors", project.daemon.poll() is None,
                     project.log_text()[-1500:])
        result.check("no busy loop (< 20% of a core)", spin < 0.20, f"{spin:.3f}")
        result.check("the descriptor table never fills", fds_full < limit - 8, f"{fds_full} of {limit}")
        result.faults += f"; berth status meanwhile: {'answered' if code_full == 0 else text_full[:80]}"
        result.check("the daemon says what is wrong (too many open files) in its log",
                     "open files" in project.log_text().lower(), project.log_text()[-800:])
        result.check("recovered once the connections closed: status answers", code_after == 0, text_after[:300])
        load_checks(result, load)
        result.check("replicas untouched", project.ready_pids("web") == kill_during)
    finally:
        for hog in hogs:
            hog.close()
        project.stop()


def full_disk(bins, short, result):
    """Inside a private mount namespace: the state directory on a 4 MB tmpfs that is then filled up."""
    state = f"/tmp/berth-chaos-g2-state-{os.getpid()}"
    namespaced.mount_tmpfs(state, "4m", mode="0700")
    project = Project(bins, "g2", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["python3", "{replica}", "--log-every", "5"]
    replicas: 1
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
""", state_dir=state)
    filler = os.path.join(state, "filler")
    try:
        project.start()
        project.wait_ready({"web": 1})
        load = Load(project.port, CLIENTS, "/").start()
        result.measure(0, project.pid)
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        time.sleep(1)
        scale_full = project.berth("scale", "web=2", "--timeout", "20s")
        state_file = os.path.join(state, "state.json")
        time.sleep(1)
        code_full, text_full = status_check(project)
        os.unlink(filler)
        time.sleep(1.5)
        scale_after = project.berth("scale", "web=1", "--timeout", "20s")
        time.sleep(1)
        load.stop()
        result.measure(1, project.pid)
        valid_state = None
        try:
            with open(state_file) as f:
                record = json.load(f)
            valid_state = sorted(p["pid"] for p in record["processes"]) == project.ready_pids("web")
        except (OSError, ValueError) as exc:
            valid_state = f"{exc}"
        logs = sorted(glob.glob(f"{state}/logs/web.0.log*"))
        newest = 0.0
        for path in logs:
            with open(path) as f:
                for line in f:
                    try:
                        newest = max(newest, json.loads(line)["time"])
                    except (ValueError, KeyError):
                        pass
        result.load = f"GET, {CLIENTS} clients; a replica logging every 5 ms to files in the state directory"
        result.faults = "state directory on a 4 MB tmpfs, filled to the last byte for ~4 s, then freed"
        result.counts(load)
        log = project.log_text()
        result.check("daemon alive with the disk full", project.daemon.poll() is None, log[-1500:])
        result.check("berth status answers with the disk full", code_full == 0, text_full[:300])
        result.check("scale with the disk full: done, or a clear error", scale_full.returncode == 0
                     or scale_full.stderr.strip() != "", f"{scale_full.returncode} {scale_full.stderr[:300]}")
        result.check("the refused log lines are reported (no space left on device)",
                     "no space left" in log.lower(), log[-800:])
        result.check("state.json is valid and matches the running replicas after the disk is freed",
                     valid_state is True, f"{valid_state}")
        result.check("logging resumed after the disk was freed", newest > time.time() - 2.5, f"newest {newest}")
        result.check("scale works again once the disk is freed", scale_after.returncode == 0, scale_after.stderr)
        load_checks(result, load)
    finally:
        project.stop()
        subprocess.run(["umount", state], capture_output=True)
        os.rmdir(state) if os.path.isdir(state) else None


def no_free_port(bins, short, result):
    """Inside a private network namespace whose `auto` (ephemeral) port range is 64 ports; the runner takes the
    free ones (the gateway's upstream connections need some of the range as source ports too)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/proc/sys/net/ipv4/ip_local_port_range", "w") as f:
        f.write("40000 40063")
    project = Project(bins, "g3", HEADER + """  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}"]
    replicas: 1
    port: auto
    ready: {{ http: /ready, interval: 200ms }}
    restart: {{ backoff: {{ initial: 200ms, max: 500ms }}, give_up: {{ restarts: 1000, within: 60s }} }}
""")
    project.port = 39000
    with open(project.manifest) as f:
        text = f.read()
    with open(project.manifest, "w") as f:
        f.write(re.sub(r"listen: 127\.0\.0\.1:\d+", "listen: 127.0.0.1:39000", text))
    hogs = []
    try:
        project.start()
        project.wait_ready({"web": 1})
        load = Load(project.port, CLIENTS, "/").start()
        time.sleep(0.5)
        result.measure(0, project.pid)
        while True:
            hog = socket.socket()
            try:
                hog.bind(("127.0.0.1", 0))
                hog.listen()
                hogs.append(hog)
            except OSError:
                hog.close()
                break
        scale = project.berth("scale", "web=3", "--timeout", "3s")
        reasons, table = [], ""
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any("no free port" in r for r in reasons):
            web = project.service("web") or {}
            reasons = [r.get("reason") or "" for r in web.get("replicas", [])]
            table = project.berth("status").stdout
        for hog in hogs:
            hog.close()
        hogs = []
        try:
            project.wait_ready({"web": 3}, timeout=20)
            recovered = True
        except RuntimeError as exc:
            recovered = f"{exc}"
        time.sleep(1)
        load.stop()
        result.measure(1, project.pid)
        result.load = f"GET, {CLIENTS} clients (counted, not judged: the gateway needs source ports too)"
        result.faults = "every free port of the auto range (64 ports) taken, then `berth scale web=3`, then freed"
        result.counts(load)
        result.check("scale with no free port fails with a clear error", scale.returncode != 0
                     and "port" in (scale.stdout + scale.stderr + table), f"{scale.returncode} {scale.stdout}"
                     f"{scale.stderr} {table}")
        result.check("status names the cause: no free port for port: auto",
                     any("no free port" in reason for reason in reasons) or "no free port" in table,
                     f"{reasons} {table}")
        result.check("the running replica kept serving", load.ok > 0 and project.daemon.poll() is None)
        result.check("recovered once ports are free: 3 replicas ready", recovered is True, f"{recovered}")
    finally:
        for hog in hogs:
            hog.close()
        project.stop()


ALL = [
    Scenario("a", "kill -9 replicas", kill_replicas),
    Scenario("b", "hung replica", hung_replica),
    Scenario("c", "bad replicas", bad_replicas),
    Scenario("d", "crash loop", crash_loop),
    Scenario("e", "berthd killed mid-rollout", daemon_killed_mid_rollout),
    Scenario("f", "journald stopped", journald_gap, unshare=["-m", "--propagation", "private"]),
    Scenario("g", "ulimit -n", low_fd_limit),
    Scenario("g", "full disk", full_disk, unshare=["-m", "--propagation", "private"]),
    Scenario("g", "no free port", no_free_port, unshare=["-n"]),
]


def select(names):
    if not names:
        return ALL
    chosen = []
    for name in names:
        matches = [s for s in ALL if name in (s.letter, s.name)]
        if not matches:
            return None
        chosen += [s for s in matches if s not in chosen]
    return chosen
