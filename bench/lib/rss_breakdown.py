#!/usr/bin/env python3
"""Where a process's resident memory goes: /proc/PID/smaps summed per mapping (file-backed mappings per file,
anonymous ones as heap / thread stacks / other), largest first, with the private/shared split.

usage: rss_breakdown.py PID [--top 15]
Used to profile berthd when its RSS misses the target (see BENCHMARKS.md); needs root or the same user.
"""
import argparse
import collections
import os

ap = argparse.ArgumentParser()
ap.add_argument("pid", type=int)
ap.add_argument("--top", type=int, default=15)
a = ap.parse_args()

totals = collections.defaultdict(lambda: collections.Counter())
name = None
with open("/proc/%d/smaps" % a.pid) as f:
    for line in f:
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            path = fields[5] if len(fields) > 5 else ""
            perms = fields[1]
            if path.startswith("/"):
                name = os.path.basename(path) + (" (code)" if "x" in perms else " (data)")
            elif path == "[heap]":
                name = "[heap] (brk)"
            elif path.startswith("[stack"):
                name = "[stack] (main thread)"
            elif path:
                name = path
            else:
                name = "anonymous mmap (malloc arenas, thread stacks)"
            continue
        key = fields[0].rstrip(":")
        if key in ("Rss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty", "Pss"):
            totals[name][key] += int(fields[1])

rows = sorted(totals.items(), key=lambda kv: -kv[1]["Rss"])
all_rss = sum(c["Rss"] for _, c in rows)
all_private = sum(c["Private_Clean"] + c["Private_Dirty"] for _, c in rows)
print("%-52s %9s %9s %9s" % ("mapping", "RSS kB", "private", "PSS kB"))
for mapping, c in rows[: a.top]:
    print("%-52s %9d %9d %9d" % (mapping[:52], c["Rss"], c["Private_Clean"] + c["Private_Dirty"], c["Pss"]))
rest = rows[a.top:]
if rest:
    print("%-52s %9d" % ("(%d more)" % len(rest), sum(c["Rss"] for _, c in rest)))
print("%-52s %9d %9d" % ("total", all_rss, all_private))
