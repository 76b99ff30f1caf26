#!/usr/bin/env python3
"""Load generator of bench/shop.sh: POST /api/orders through the gateway from CONCURRENCY threads for DURATION
seconds (one keep-alive connection per thread), after WARMUP seconds; prints a Markdown table.

usage: shop_load.py BERTH_BIN_DIR CONCURRENCY DURATION WARMUP
"""
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "shop", "tests"))
import e2e  # noqa: E402  (the shop's own bring-up helpers)


def run_load(shop, token, concurrency, duration, warmup):
    start = time.time() + warmup
    stop = start + duration
    latencies, statuses = [], {}
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

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies), statuses


def percentile(values, fraction):
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
    bin_dir, concurrency, duration, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    shop = e2e.Shop(bin_dir)
    try:
        _, seconds = shop.up()
        token = shop.user("bench@example.com")
        latencies, statuses = run_load(shop, token, concurrency, duration, warmup)
    finally:
        shop.down()
    breakdown = where_the_time_goes(shop)
    ok = statuses.get(201, 0)
    others = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()) if s != 201) or "none"
    print("| metric | value |")
    print("| --- | --- |")
    print(f"| concurrency (client threads, keep-alive) | {concurrency} |")
    print(f"| measured for | {duration:.0f} s (after {warmup:.0f} s warm-up) |")
    print(f"| orders confirmed (201) | {ok} |")
    print(f"| other answers | {others} |")
    print(f"| orders per second | {ok / duration:.1f} |")
    print(f"| POST /api/orders p50 | {percentile(latencies, 0.50):.1f} ms |")
    print(f"| POST /api/orders p90 | {percentile(latencies, 0.90):.1f} ms |")
    print(f"| POST /api/orders p99 | {percentile(latencies, 0.99):.1f} ms |")
    print(f"| shop up (build skipped or not) | {seconds:.1f} s |")
    if breakdown:
        print()
        print("| POSTs seen by the gateway (whole run) | count | upstream p50 | upstream p99 | gateway's own p50 |")
        print("| --- | --- | --- | --- | --- |")
        for row in breakdown:
            print(row)


if __name__ == "__main__":
    main()
