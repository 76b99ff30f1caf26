#!/usr/bin/env python3
"""Rolling restart benchmark: time of `berth restart web` for 4 replicas whose readiness takes ~200 ms, and the
requests that failed through the gateway during it, under a steady keep-alive load.

usage: rollout_bench.py BIN_DIR RUNS CLIENTS   (prints a Markdown table)
"""
import http.client, json, os, shutil, socket, subprocess, sys, tempfile, threading, time

bin_dir, runs, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = tempfile.mkdtemp(prefix="berth-bench-rollout-")
env = dict(os.environ, BERTH_SOCKET=f"{root}/run/control.sock", BERTH_STATE_DIR=f"{root}/state")
env.pop("BERTH_DAEMON", None)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

port = free_port()
with open(f"{root}/berth.yaml", "w") as f:
    f.write(f"""name: bench-rollout
gateway:
  listen: 127.0.0.1:{port}
  access_log: false
  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{bin_dir}/berth-fixture", "--ready-after", "200"]
    replicas: 4
    port: auto
    ready: {{ http: /ready, interval: 50ms }}
    rollout: {{ max_surge: 1, max_unavailable: 0, ready_timeout: 10s }}
""")

def berth(*args, timeout=120):
    return subprocess.run([f"{bin_dir}/berth", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)

class Load:
    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = 0
        self.threads = [threading.Thread(target=self.client) for _ in range(clients)]

    def client(self):
        connection = None
        while not self.stop.is_set():
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/sleep?ms=5")
                response = connection.getresponse()
                response.read()
                good = response.status == 200
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except Exception:
                good = False
                connection = None
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failed += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

def pids():
    status = json.loads(berth("status", "--json").stdout)
    web = next(s for s in status["services"] if s["name"] == "web")
    return sorted(r["pid"] for r in web["replicas"] if r.get("pid")), web.get("generation")

try:
    up = berth("up", "-d", "--timeout", "30s")
    if up.returncode != 0:
        sys.exit(f"berth up failed: {up.stdout}{up.stderr}")
    print("| run | rolling restart, 4 replicas (s) | requests during it | failed | generation after | pids all new |")
    print("|---|---|---|---|---|---|")
    for run in range(1, runs + 1):
        before, _ = pids()
        with Load() as load:
            time.sleep(0.5)
            start_ok, start_failed = load.ok, load.failed
            started = time.monotonic()
            restart = berth("restart", "web", "--timeout", "60s")
            elapsed = time.monotonic() - started
            requests = load.ok + load.failed - start_ok - start_failed
            failed_during = load.failed - start_failed
            time.sleep(0.3)
        after, generation = pids()
        if restart.returncode != 0:
            sys.exit(f"berth restart failed: {restart.stdout}{restart.stderr}")
        new = len(after) == 4 and not set(after) & set(before)
        print(f"| {run} | {elapsed:.2f} | {requests} | {failed_during} (all of the run: {load.failed}) "
              f"| {generation} | {'yes' if new else 'no'} |")
finally:
    berth("down", "--timeout", "20s")
    shutil.rmtree(root, ignore_errors=True)
