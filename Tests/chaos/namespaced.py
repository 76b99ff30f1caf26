"""Scenarios that change the machine for themselves only: each runs in its own mount (and network) namespace
(unshare), so a private journald, a full tmpfs or an exhausted port range touch nothing outside.

run.py starts `unshare ... run.py --inner LETTER:NAME --result-file F`; the inner run fills a Result and writes it
to F as JSON; the outer copies it into its own Result."""
import json, os, subprocess, sys


def run_inside(flags, scenario, bins, short, result):
    """Runs scenario (by letter and name) in a new namespace (unshare flags) and copies its result."""
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        result.skipped = f"unshare {' '.join(flags)} is not permitted here: {probe.stderr.strip()[:120]}"
        return
    result_file = f"/tmp/berth-chaos-{os.getpid()}-{scenario.letter}.json"
    command = ["unshare", *flags, sys.executable, os.path.join(os.path.dirname(__file__), "run.py"),
               "--bin", bins, "--inner", f"{scenario.letter}:{scenario.name}", "--result-file", result_file]
    if short:
        command.append("--short")
    try:
        inner = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if not os.path.exists(result_file):
            result.check("ran in its namespace", False, f"exit {inner.returncode}: {inner.stdout[-1500:]}"
                         f"{inner.stderr[-1500:]}")
            return
        with open(result_file) as f:
            saved = json.load(f)
    finally:
        if os.path.exists(result_file):
            os.unlink(result_file)
    result.load, result.faults = saved["load"], saved["faults"]
    result.sent, result.failed, result.lost = saved["sent"], saved["failed"], saved["lost"]
    result.rss, result.fds = saved["rss"], saved["fds"]
    result.checks = [tuple(check) for check in saved["checks"]]


def save(result, path):
    with open(path, "w") as f:
        json.dump({"load": result.load, "faults": result.faults, "sent": result.sent, "failed": result.failed,
                   "lost": result.lost, "rss": result.rss, "fds": result.fds, "checks": result.checks}, f)


def mount_tmpfs(path, size=None, mode=None):
    os.makedirs(path, exist_ok=True)
    # mode: "0700" for a state directory, which berthd requires to be owner-only (tmpfs defaults to 1777).
    settings = ([f"size={size}"] if size else []) + ([f"mode={mode}"] if mode else [])
    options = ["-o", ",".join(settings)] if settings else []
    subprocess.run(["mount", "-t", "tmpfs", *options, "tmpfs", path], check=True)
