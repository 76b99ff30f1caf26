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


def main():
    bin_dir, concurrency, duration, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    shop = e2e.Shop(bin_dir)
    try:
        _, seconds = shop.up()
        token = shop.user("bench@example.com")
        latencies, statuses = run_load(shop, token, concurrency, duration, warmup)
    finally:
        shop.down()
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


if __name__ == "__main__":
    main()
