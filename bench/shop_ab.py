#!/usr/bin/env python3
"""Two builds of the shop measured in turn on the same machine: what a change to the shop costs or saves per order.

Each round brings one shop up (from its own folder: a copy of examples/shop whose manifest's `build:` step is
`true`, with that build's binaries in .build/release), orders at CONCURRENCY clients with wrk for DURATION seconds
after WARMUP (bench/shop_load.py's `run_wrk`: the same window and /proc accounting as bench/shop.sh), and brings it
down; the two alternate, the first of each pair swapped every round, so that the machine's drift falls on both.
Prints, per process, the median CPU per confirmed order of each build over the rounds, and in how many pairs B was
lower; then orders per second and p99.

usage: shop_ab.py BERTH_BIN_DIR DIR_A DIR_B [ROUNDS]     env: CONCURRENCY=16 DURATION=15 WARMUP=3
   (bench/shop-ab.sh makes the two folders from two commits)
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "shop", "tests"))
import e2e  # noqa: E402
import shop_load  # noqa: E402


def run(bin_dir, folder, concurrency, duration, warmup):
    e2e.MANIFEST = os.path.join(folder, "berth.yaml")
    shop = e2e.Shop(bin_dir)
    try:
        shop.up()
        token = shop.user("bench@example.com")
        latencies, statuses, cpu = shop_load.run_wrk(shop, token, concurrency, duration, warmup)
    finally:
        shop.down()
    confirmed = statuses.get(201, 0)
    others = sum(n for s, n in statuses.items() if s != 201)
    per_order = {name: seconds / confirmed * 1e6 for name, seconds in cpu.items()} if confirmed else {}
    per_order["all"] = sum(cpu.values()) / confirmed * 1e6 if confirmed else float("nan")
    return {"rate": confirmed / duration, "p99": latencies["p99"] * 1000, "others": others, "cpu": per_order}


def main():
    bin_dir, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    concurrency = int(os.environ.get("CONCURRENCY", "16"))
    duration = float(os.environ.get("DURATION", "15"))
    warmup = float(os.environ.get("WARMUP", "3"))
    results = {"A": [], "B": []}
    for index in range(rounds):
        order = ("A", "B") if index % 2 == 0 else ("B", "A")
        for name in order:
            result = run(bin_dir, a if name == "A" else b, concurrency, duration, warmup)
            results[name].append(result)
            load = open("/proc/loadavg").read().split()[0]
            print(f"round {index + 1} {name}: {result['rate']:.1f} orders/s, p99 {result['p99']:.1f} ms, "
                  f"{result['cpu'].get('all', 0):.0f} us/order, other answers {result['others']}, load {load}",
                  flush=True)
    names = [n for n in results["A"][0]["cpu"] if n != "all"]
    names = sorted(names, key=lambda n: -statistics.median(r["cpu"].get(n, 0) for r in results["A"])) + ["all"]
    print()
    print(f"| us of CPU per confirmed order, median of {rounds} (range) | A | B | change | B lower in |")
    print("| --- | --- | --- | --- | --- |")
    for name in names:
        va = [r["cpu"].get(name, 0.0) for r in results["A"]]
        vb = [r["cpu"].get(name, 0.0) for r in results["B"]]
        ma, mb = statistics.median(va), statistics.median(vb)
        if ma < 5 and mb < 5:
            continue
        lower = sum(1 for x, y in zip(va, vb) if y < x)
        change = f"{(mb - ma) / ma * 100:+.0f} %" if ma else "-"
        print(f"| {name} | {ma:,.0f} ({min(va):,.0f}–{max(va):,.0f}) | {mb:,.0f} ({min(vb):,.0f}–{max(vb):,.0f}) "
              f"| {change} | {lower} of {rounds} |")
    for label, key, unit in (("orders/s", "rate", ""), ("POST /api/orders p99", "p99", " ms")):
        va = [r[key] for r in results["A"]]
        vb = [r[key] for r in results["B"]]
        print(f"| {label} at {concurrency} clients | {statistics.median(va):.1f}{unit} ({min(va):.1f}–{max(va):.1f}) "
              f"| {statistics.median(vb):.1f}{unit} ({min(vb):.1f}–{max(vb):.1f}) | | |")
    other = sum(r["others"] for rs in results.values() for r in rs)
    print(f"\nanswers other than 201, all runs: {other}")


if __name__ == "__main__":
    main()
