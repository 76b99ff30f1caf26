"""The scenarios. Each is a function (bins, short, result) that fills in a Result: the load, the faults, the counts,
the daemon's RSS and fds before and after, and its assertions (result.check)."""
import json, os, random, signal, subprocess, time

from harness import Load, Poller, Project, alive, cpu_seconds, open_fds, rss_kb


class Scenario:
    def __init__(self, letter, name, run):
        self.letter, self.name, self.run = letter, name, run


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
    - {{ path: /, service: web, timeout: 500ms, retries: 2 }}
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
        result.load = f"GET, {CLIENTS} clients, {duration + 1} s; route timeout 500ms, retries 2"
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
        result.check("the crash loop gave up (every replica failed)", gave_up is not None, f"{project.service('crash')}")
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


ALL = [
    Scenario("a", "kill -9 replicas", kill_replicas),
    Scenario("b", "hung replica", hung_replica),
    Scenario("c", "bad replicas", bad_replicas),
    Scenario("d", "crash loop", crash_loop),
    Scenario("e", "berthd killed mid-rollout", daemon_killed_mid_rollout),
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
