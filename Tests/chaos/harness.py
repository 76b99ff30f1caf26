"""The chaos runner's parts: a project under its own berthd, a continuous HTTP load, and /proc readings.

Every process started here is recorded and stopped by pid (the daemon, then whatever of the project's replicas is
still alive, found by their BERTH_PROJECT environment variable).
"""
import http.client, json, os, random, shutil, signal, socket, subprocess, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPLICA = os.path.join(HERE, "replica.py")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- /proc --------------------------------------------------------------------------------------------------------
def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def cpu_seconds(pid):
    """utime + stime of pid, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return None


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def processes_with_env(name, value):
    """Live pids whose environment has name=value (the project's replicas carry BERTH_PROJECT)."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0") and alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            continue
    return sorted(found)


# --- one project under its own daemon -------------------------------------------------------------------------------
class Project:
    """A temporary project directory with a berth.yaml and a berthd started on it (directly, so its pid is known)."""

    def __init__(self, bins, scenario, manifest, state_dir=None):
        self.bins = bins
        self.root = tempfile.mkdtemp(prefix=f"berth-chaos-{scenario}-")
        self.name = f"chaos-{scenario}-{os.getpid()}"
        self.port = free_port()
        self.socket = f"{self.root}/run/control.sock"
        self.state_dir = state_dir or f"{self.root}/state"
        self.manifest = os.path.join(self.root, "berth.yaml")
        self.daemon = None
        self.daemon_log = os.path.join(self.root, "berthd.log")
        self.env = dict(os.environ, BERTH_SOCKET=self.socket, BERTH_STATE_DIR=self.state_dir)
        self.env.pop("BERTH_DAEMON", None)
        if os.environ.get("CHAOS_CORE"):
            self.env["SWIFT_BACKTRACE"] = "enable=no"
        with open(self.manifest, "w") as f:
            f.write(manifest.format(name=self.name, port=self.port, fixture=f"{bins}/berth-fixture",
                                    replica=REPLICA, root=self.root))

    # the daemon
    def start(self, nofile=None):
        core = bool(os.environ.get("CHAOS_CORE"))  # debugging: a core file in the project directory on a crash

        def limits():
            import resource
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            if core:
                resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        log = open(self.daemon_log, "ab")
        self.daemon = subprocess.Popen(
            [f"{self.bins}/berthd", "--file", self.manifest, "--socket", self.socket, "--state-dir", self.state_dir],
            cwd=self.root, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True, preexec_fn=limits if nofile or core else None)
        log.close()
        return self.daemon.pid

    @property
    def pid(self):
        return self.daemon.pid if self.daemon else None

    def kill_daemon(self, sig=signal.SIGKILL):
        if self.daemon and self.daemon.poll() is None:
            os.kill(self.daemon.pid, sig)
            self.daemon.wait(timeout=30)

    def log_text(self):
        try:
            with open(self.daemon_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # the CLI
    def berth(self, *args, timeout=60):
        return subprocess.run([f"{self.bins}/berth", *args], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def status(self, timeout=10):
        result = self.berth("status", "--json", timeout=timeout)
        if result.returncode != 0:
            return None
        try:
            return json.loads(result.stdout)
        except ValueError:
            return None

    def service(self, name, status=None):
        status = status or self.status()
        if not status:
            return None
        return next((s for s in status["services"] if s["name"] == name), None)

    def ready_pids(self, name, status=None):
        service = self.service(name, status)
        if not service:
            return []
        return sorted(r["pid"] for r in service["replicas"] if r.get("ready") and r.get("pid"))

    def wait_ready(self, counts, timeout=60):
        """Waits until each service in counts has that many ready replicas (and no more replicas than that)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.daemon and self.daemon.poll() is not None:
                raise RuntimeError(f"berthd exited with {self.daemon.returncode}: {self.log_text()[-2000:]}")
            status = self.status()
            if status and all(len(self.ready_pids(name, status)) == count
                              and len(self.service(name, status)["replicas"]) == count
                              for name, count in counts.items()):
                return status
            time.sleep(0.1)
        raise RuntimeError(f"not ready within {timeout}s: {counts}; status: {self.status()}")

    def replicas_in_proc(self):
        return processes_with_env("BERTH_PROJECT", self.name)

    def stop(self):
        """berth down, then SIGTERM/SIGKILL of the daemon by pid, then SIGKILL of any replica left, by pid."""
        if self.daemon and self.daemon.poll() is None:
            try:
                self.berth("down", "--timeout", "15s", timeout=30)
            except subprocess.TimeoutExpired:
                pass
            if self.daemon.poll() is None:
                self.daemon.terminate()
                try:
                    self.daemon.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.daemon.kill()
                    self.daemon.wait(timeout=10)
        for pid in self.replicas_in_proc():
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if os.environ.get("CHAOS_KEEP"):
            print(f"chaos: kept {self.root}", flush=True)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


# --- load -----------------------------------------------------------------------------------------------------------
class Load:
    """GETs through the gateway at a fixed concurrency, each client on a keep-alive connection.

    failed: an answer that is not 2xx; lost: no answer (connection error or timeout)."""

    def __init__(self, port, clients=8, path="/", timeout=10):
        self.port, self.clients, self.path, self.timeout = port, clients, path, timeout
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.sent = self.ok = self.failed = self.lost = 0
        self.failures = []   # (monotonic time, status, body)
        self.losses = []     # (monotonic time, error)
        self.bodies = {}     # first word of each 2xx body (replica=N) -> count
        self.max_latency = 0.0
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(clients)]

    def client(self):
        connection = None
        while not self.stop_event.is_set():
            started = time.monotonic()
            status, body, error = None, b"", None
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                connection.request("GET", self.path)
                response = connection.getresponse()
                body = response.read()
                status = response.status
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except Exception as exc:  # noqa: BLE001 - every kind of "no answer" counts as lost
                error = repr(exc)
                if connection is not None:
                    connection.close()
                connection = None
            elapsed = time.monotonic() - started
            with self.lock:
                self.sent += 1
                self.max_latency = max(self.max_latency, elapsed)
                if error is not None:
                    self.lost += 1
                    self.losses.append((time.monotonic(), error))
                elif 200 <= status < 300:
                    self.ok += 1
                    key = body.split(b" ", 1)[0].decode(errors="replace")
                    self.bodies[key] = self.bodies.get(key, 0) + 1
                else:
                    self.failed += 1
                    self.failures.append((time.monotonic(), status, body[:300].decode(errors="replace")))
        if connection is not None:
            connection.close()

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=self.timeout + 5)

    def snapshot(self):
        with self.lock:
            return self.sent, self.failed, self.lost


class Poller:
    """Calls fn every interval seconds on a thread of its own until stopped; keeps what it returns."""

    def __init__(self, fn, interval):
        self.fn, self.interval = fn, interval
        self.results = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_event.is_set():
            try:
                self.results.append(self.fn())
            except Exception as exc:  # noqa: BLE001 - recorded, judged by the scenario
                self.results.append(exc)
            self.stop_event.wait(self.interval)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=30)


def random_choice(items):
    return random.choice(items) if items else None
