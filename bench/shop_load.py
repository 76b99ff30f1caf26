#!/usr/bin/env python3
"""Load generator of bench/shop.sh: POST /api/orders through the gateway over CONCURRENCY keep-alive connections for
DURATION seconds, after WARMUP seconds; prints a Markdown table.

The load comes from wrk (one thread, a Lua script that counts the answers by status), whose CPU per request is a
small fraction of the shop's, so that the machine's two cores go to the shop; SHOP_LOAD=python uses Python threads
(http.client, one connection each) as before, which cost about 0.3 ms of CPU per order.

usage: shop_load.py BERTH_BIN_DIR CONCURRENCY DURATION WARMUP   (CONCURRENCY: one level or several, "1,16": each
run in turn on the same shop, one column each)
"""
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "shop", "tests"))
import e2e  # noqa: E402  (the shop's own bring-up helpers)


TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid):
    """CPU seconds (user + system) of a live process and its live descendants, from /proc."""
    children, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total


def cpu_by_service(shop):
    """CPU seconds so far of berthd (the gateway and supervisor) and of each service's replicas (with children)."""
    status = shop.status()
    usage = {"berthd (gateway)": tree_cpu(status["daemon_pid"]) - sum(
        tree_cpu(r["pid"]) for s in status["services"] for r in s["replicas"] if r.get("pid"))}
    for service in status["services"]:
        usage[service["name"]] = sum(tree_cpu(r["pid"]) for r in service["replicas"] if r.get("pid"))
    return usage


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[BODY]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer TOKEN"
counts = {}
response = function(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
    local all = {}
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("counts")) do all[status] = (all[status] or 0) + n end
    end
    local parts = {}
    for status, n in pairs(all) do table.insert(parts, string.format('"%d": %d', status, n)) end
    io.write(string.format('WRK {"counts": {%s}, "p50": %d, "p90": %d, "p99": %d, "errors": %d}\\n',
        table.concat(parts, ", "), latency:percentile(50), latency:percentile(90), latency:percentile(99),
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(shop, token, concurrency, duration, warmup):
    body = json.dumps({"items": [{"sku": "sticker", "quantity": 1}]})
    window = {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("BODY", body).replace("TOKEN", token))
    url = f"http://127.0.0.1:{shop.port}/api/orders"

    def wrk(seconds):
        process = subprocess.Popen(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", script.name, url],
            stdout=subprocess.PIPE, text=True)
        return process

    def sample(wrk_pid):
        return dict(cpu_by_service(shop), **{"load generator (wrk)": tree_cpu(wrk_pid)})

    try:
        if warmup > 0:
            wrk(int(max(1, warmup))).communicate()
        process = wrk(int(duration))
        time.sleep(0.05)
        window["start"] = sample(process.pid)
        # The end of the window: read just before wrk stops (its own CPU from /proc while it still lives).
        time.sleep(max(0.0, duration - 0.15))
        window["stop"] = sample(process.pid)
        output, _ = process.communicate()
    finally:
        os.unlink(script.name)
    result = next((json.loads(line[4:]) for line in output.splitlines() if line.startswith("WRK ")), None)
    if result is None:
        raise SystemExit("wrk printed no result:\n" + output)
    statuses = {int(k): v for k, v in result["counts"].items()}
    if result["errors"]:
        statuses[0] = statuses.get(0, 0) + result["errors"]
    # wrk reports percentiles, not every latency: a three-point list that `percentile` below reads the same way.
    latencies = {"p50": result["p50"] / 1e6, "p90": result["p90"] / 1e6, "p99": result["p99"] / 1e6}
    cpu = {name: window["stop"][name] - window["start"].get(name, 0.0) for name in window["stop"]}
    return latencies, statuses, cpu


def run_load(shop, token, concurrency, duration, warmup):
    if os.environ.get("SHOP_LOAD", "wrk") == "wrk":
        return run_wrk(shop, token, concurrency, duration, warmup)
    return run_python(shop, token, concurrency, duration, warmup)


def run_python(shop, token, concurrency, duration, warmup):
    start = time.time() + warmup
    stop = start + duration
    latencies, statuses = [], {}
    window = {}
    lock = threading.Lock()
    body = json.dumps({"items": [{"sku": "sticker", "quantity": 1}]})
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=30)
        mine, counts = [], {}
        while time.time() < stop:
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/orders", body, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=30)
                status = 0
            elapsed = time.perf_counter() - began
            if time.time() >= start:
                counts[status] = counts.get(status, 0) + 1
                if status == 201:
                    mine.append(elapsed)
        with lock:
            latencies.extend(mine)
            for status, count in counts.items():
                statuses[status] = statuses.get(status, 0) + count

    def sample(name):
        # CPU of every process at the start and the end of the measured window (the load generator's own too).
        time.sleep(max(0.0, (start if name == "start" else stop) - time.time()))
        own = resource.getrusage(resource.RUSAGE_SELF)
        window[name] = dict(cpu_by_service(shop), **{"load generator (python)": own.ru_utime + own.ru_stime})

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    sampler = threading.Thread(target=lambda: (sample("start"), sample("stop")))
    sampler.start()
    for thread in threads:
        thread.join()
    sampler.join()
    cpu = {name: window["stop"][name] - window["start"].get(name, 0.0) for name in window.get("stop", {})}
    latencies.sort()
    return {name: percentile(latencies, fraction) / 1000 for name, fraction in
            (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))}, statuses, cpu


def percentile(values, fraction):
    if isinstance(values, dict):
        return values.get({0.50: "p50", 0.90: "p90", 0.99: "p99"}[fraction], float("nan")) * 1000
    return values[min(len(values) - 1, int(fraction * len(values)))] * 1000 if values else float("nan")


def where_the_time_goes(shop):
    """Median upstream and gateway times per kind of call, from the gateway's access log (state dir)."""
    path = os.path.join(shop.env["BERTH_STATE_DIR"], "access.log")
    kinds = {}
    try:
        with open(path) as log:
            for line in log:
                fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
                if fields.get("method") != "POST" or "upstream_ms" not in fields:
                    continue
                route = fields.get("path", "")
                name = ("order (whole saga)" if route.startswith("/api/orders") else
                        "inventory: reserve (gRPC)" if route == "/shop.inventory.v1.Inventory/Reserve" else
                        "payment: charge (gRPC)" if route == "/shop.payment.v1.Payments/Charge" else
                        "inventory: confirm (gRPC)" if route == "/shop.inventory.v1.Inventory/Confirm" else None)
                if name:
                    kinds.setdefault(name, []).append((float(fields["upstream_ms"]), float(fields["total_ms"])))
    except OSError:
        return []
    rows = []
    for name in ("order (whole saga)", "inventory: reserve (gRPC)", "payment: charge (gRPC)",
                 "inventory: confirm (gRPC)"):
        values = kinds.get(name, [])
        if values:
            upstream = sorted(v[0] for v in values)
            overhead = sorted(v[1] - v[0] for v in values)
            rows.append(f"| {name} | {len(values)} | {upstream[len(upstream) // 2]:.2f} ms | "
                        f"{upstream[min(len(upstream) - 1, int(0.99 * len(upstream)))]:.2f} ms | "
                        f"{overhead[len(overhead) // 2]:.3f} ms |")
    return rows


def main():
    bin_dir, duration, warmup = sys.argv[1], float(sys.argv[3]), float(sys.argv[4])
    levels = [int(level) for level in sys.argv[2].replace(",", " ").split()]
    shop = e2e.Shop(bin_dir)
    runs = []
    try:
        _, seconds = shop.up()
        token = shop.user("bench@example.com")
        for concurrency in levels:
            runs.append((concurrency, *run_load(shop, token, concurrency, duration, warmup)))
    finally:
        shop.down()
    breakdown = where_the_time_goes(shop)
    columns = " | ".join(f"{c} client{'s' if c > 1 else ''}" for c, *_ in runs)
    print(f"| metric | {columns} |")
    print("| --- |" + " --- |" * len(runs))

    def row(name, cell):
        print(f"| {name} | " + " | ".join(cell(*run) for run in runs) + " |")

    row("measured for", lambda c, lat, st, cpu: f"{duration:.0f} s (after {warmup:.0f} s warm-up)")
    row("orders confirmed (201)", lambda c, lat, st, cpu: str(st.get(201, 0)))
    row("other answers", lambda c, lat, st, cpu: ", ".join(
        f"{s}: {n}" for s, n in sorted(st.items()) if s != 201) or "none")
    row("**orders per second**", lambda c, lat, st, cpu: f"**{st.get(201, 0) / duration:.1f}**")
    row("POST /api/orders p50", lambda c, lat, st, cpu: f"{percentile(lat, 0.50):.1f} ms")
    row("POST /api/orders p90", lambda c, lat, st, cpu: f"{percentile(lat, 0.90):.1f} ms")
    row("**POST /api/orders p99**", lambda c, lat, st, cpu: f"**{percentile(lat, 0.99):.1f} ms**")
    print(f"| shop up (build skipped or not) | {seconds:.1f} s |" + " |" * (len(runs) - 1))
    names = sorted({name for *_, cpu in runs for name in cpu}, key=lambda n: -max(r[3].get(n, 0) for r in runs))
    if names:
        print()
        print(f"| CPU per confirmed order, us (share of the machine's {os.cpu_count()} cores) | {columns} |")
        print("| --- |" + " --- |" * len(runs))

        def cell(name, cpu, ok):
            seconds = sum(cpu.values()) if name is None else cpu.get(name, 0.0)
            return f"{seconds / ok * 1e6:.0f} ({seconds / duration / os.cpu_count() * 100:.0f} %)" if ok else "-"

        for name in names:
            row(name, lambda c, lat, st, cpu, name=name: cell(name, cpu, st.get(201, 0)))
        row("**all of the above**", lambda c, lat, st, cpu: cell(None, cpu, st.get(201, 0)))
    if breakdown:
        print()
        print("| POSTs seen by the gateway (all runs) | count | upstream p50 | upstream p99 | gateway's own p50 |")
        print("| --- | --- | --- | --- | --- |")
        for line in breakdown:
            print(line)


if __name__ == "__main__":
    main()
