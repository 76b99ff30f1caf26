#!/usr/bin/env python3
"""Markdown report of bench/gateway.sh: Berth's gateway beside nginx and HAProxy from the same run, with ratios,
the access-log cost (its own run beside HAProxy), and RSS with idle keep-alive connections.

usage: gateway_report.py RESULTS_TSV ACCESSLOG_RESULTS_TSV IDLE_TXT
"""
import csv
import datetime
import os
import platform
import statistics
import subprocess
import sys


def load(path):
    by = {}
    if not os.path.exists(path):
        return by
    for r in csv.DictReader(open(path), delimiter="\t"):
        by.setdefault(r["target"], []).append(r)
    return by


def f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def med(rows, key):
    xs = [f(r[key]) for r in rows if f(r[key]) == f(r[key])]
    return statistics.median(xs) if xs else float("nan")


main, log = load(sys.argv[1]), load(sys.argv[2])
idle = dict(line.strip().split("\t") for line in open(sys.argv[3]) if "\t" in line)
swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
print("Measured %s on %s (%d CPUs, kernel %s), %s. wrk -t1 -c50 pinned to CPU 0; every proxy and upstream on CPU 1;"
      % (datetime.date.today(), platform.node(), os.cpu_count(), platform.release(), swift))
print("%d rounds, target order rotated per round; medians. Upstreams: two nginx replicas supervised by Berth."
      % max(len(v) for v in main.values()))
print()
print("| target | req/s | p50 ms | p99 ms | gateway CPU µs/req | errors | ÷ nginx req/s | ÷ HAProxy req/s |")
print("|---|---|---|---|---|---|---|---|")
ref_n = med(main.get("nginx", []), "rps")
ref_h = med(main.get("haproxy", []), "rps")
for target in ["direct", "nginx", "haproxy", "berth"]:
    rows = main.get(target)
    if not rows:
        continue
    rps = med(rows, "rps")
    errors = sum(int(f(r["sock_errors"]) + f(r["non2xx"])) for r in rows)
    print("| %s | %.0f | %.3f | %.3f | %.1f | %d | %.2f | %.2f |" % (
        target, rps, med(rows, "p50_ms"), med(rows, "p99_ms"), med(rows, "gw_cpu_us_per_req"), errors,
        rps / ref_n, rps / ref_h))
b = main.get("berth", [])
if b and main.get("haproxy") and main.get("nginx"):
    rps_ratio = med(b, "rps") / ref_h
    cpu_ratio = med(b, "gw_cpu_us_per_req") / med(main["haproxy"], "gw_cpu_us_per_req")
    p99_ratio = med(b, "p99_ms") / med(main["nginx"], "p99_ms")
    print()
    print("Access log off on all three. Targets (issue 14): Berth ≥ 1.2× HAProxy's req/s (**%.2f×: %s**), CPU per "
          "request ≤ HAProxy's (**%.2f×: %s**), p99 ≤ nginx's (**%.2f×: %s**)." % (
              rps_ratio, "met" if rps_ratio >= 1.2 else "not met", cpu_ratio, "met" if cpu_ratio <= 1 else "not met",
              p99_ratio, "met" if p99_ratio <= 1 else "not met"))
if log.get("berth-accesslog"):
    print()
    print("**Defaults: the access log on**, beside nginx and HAProxy logging every request too (`PEER_LOG=1`: nginx a"
          " buffered `access_log`, HAProxy `option httplog`), in a separate run:")
    print()
    print("| target | req/s | p99 ms | CPU µs/req | ÷ HAProxy req/s |")
    print("|---|---|---|---|---|")
    ref_lh = med(log.get("haproxy", []), "rps")
    for target in ["nginx", "haproxy", "berth-accesslog"]:
        rows = log.get(target)
        if not rows:
            continue
        print("| %s | %.0f | %.3f | %.1f | %.2f |" % (
            target, med(rows, "rps"), med(rows, "p99_ms"), med(rows, "gw_cpu_us_per_req"), med(rows, "rps") / ref_lh))
    with_log = med(log["berth-accesslog"], "gw_cpu_us_per_req")
    lr = med(log["berth-accesslog"], "rps") / ref_lh
    print()
    print("Targets: with its defaults ≥ 1.0× HAProxy's req/s (**%.2f×: %s**)." % (lr, "met" if lr >= 1 else "not met"),
          end="")
    if b:
        cost = with_log / med(b, "gw_cpu_us_per_req") - 1
        print(" The access log costs %+.0f %% CPU per request over no log (target ≤ 15 %%: **%s**; the two runs are"
              " separate, so this ratio is noisier than the others)." % (cost * 100, "met" if cost <= 0.15 else
                                                                         "not met"))
    else:
        print()
if idle:
    print()
    print("Idle keep-alive clients: %s connections open (%s failed to open, %s still answered afterwards); "
          "daemon RSS %.1f MB before, %.1f MB with them open (target ≤ 64 MB)." % (
              idle.get("idle_connections"), idle.get("failed_to_open"), idle.get("answered_after_idle"),
              int(idle.get("rss_before_kb", 0)) / 1024, int(idle.get("rss_with_idle_kb", 0)) / 1024))
    nofile = int(idle.get("daemon_nofile", "0") or 0)
    if nofile and int(idle.get("failed_to_open", 0)) > 0:
        # OpenFileLimit.clientConnectionCap: half of the descriptors left after a reserve of at least 256.
        cap = (nofile - max(min(256, nofile // 4), 0)) // 2
        print("The connections that failed met berthd's client-connection cap: with %d descriptors (the hard limit "
              "this machine allows) it keeps at most ~%d for clients, half of what is left after its reserve, the "
              "other half for upstream connections." % (nofile, cap))
