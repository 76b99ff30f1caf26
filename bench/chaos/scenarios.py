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


ALL = [
    Scenario("a", "kill -9 replicas", kill_replicas),
    Scenario("b", "hung replica", hung_replica),
    Scenario("c", "bad replicas", bad_replicas),
    Scenario("d", "crash loop", crash_loop),
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
