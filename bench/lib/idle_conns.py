#!/usr/bin/env python3
"""Open N idle keep-alive connections to a gateway (each sends one request and reads the answer, then idles), and
report the gateway process's RSS before and with them open.

usage: idle_conns.py HOST PORT N PID
"""
import resource
import socket
import sys
import time

host, port, n, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 1024)), hard))
before = rss_kb()
conns, failed = [], 0
request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
for i in range(n):
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise OSError("closed")
            data += chunk
        conns.append(s)
    except OSError:
        failed += 1
time.sleep(1)
with_conns = rss_kb()
still_open = 0
for s in conns:
    try:
        s.sendall(request)
        if s.recv(4096):
            still_open += 1
    except OSError:
        pass
for s in conns:
    s.close()
print("idle_connections\t%d" % len(conns))
print("failed_to_open\t%d" % failed)
print("answered_after_idle\t%d" % still_open)
print("rss_before_kb\t%d" % before)
print("rss_with_idle_kb\t%d" % with_conns)
# The daemon's descriptor limit: berthd takes half of what is left after a reserve for client connections (see
# Sources/berthd/OpenFileLimit.swift), so connections past that cap are refused by design, not lost.
with open("/proc/%d/limits" % pid) as f:
    for line in f:
        if line.startswith("Max open files"):
            print("daemon_nofile\t%s" % line.split()[3])
