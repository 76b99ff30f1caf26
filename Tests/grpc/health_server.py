#!/usr/bin/env python3
"""A real grpc.health.v1 server (grpcio's own servicer) for the grpc probe's tests.

Usage: health_server.py PORT [STATUS_FILE]

Serves on 127.0.0.1:PORT. The statuses follow STATUS_FILE, re-read every 50 ms: its first word (SERVING or
NOT_SERVING) is the status of the service 'berth.Test', its second word (the first when there is no second) the
overall status (''); a missing file means NOT_SERVING. Without a STATUS_FILE both are SERVING. Any other service
name is unknown to the server. Stops on SIGTERM.
"""
import signal
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE = "berth.Test"


def read_statuses(path):
    """(status of 'berth.Test', overall status) from the file's first two words."""
    try:
        with open(path) as f:
            words = f.read().split()
    except OSError:
        words = []
    words = (words + words[:1] + ["NOT_SERVING", "NOT_SERVING"])[:2]
    serving, not_serving = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
    return tuple(serving if word == "SERVING" else not_serving for word in words)


def main():
    port = int(sys.argv[1])
    status_file = sys.argv[2] if len(sys.argv) > 2 else None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def apply(statuses):
        servicer.set(SERVICE, statuses[0])
        servicer.set("", statuses[1])

    serving = health_pb2.HealthCheckResponse.SERVING
    apply(read_statuses(status_file) if status_file else (serving, serving))
    server.start()
    print(f"health server on 127.0.0.1:{port}", flush=True)
    while not stop.wait(0.05):
        if status_file:
            apply(read_statuses(status_file))
    server.stop(0)


if __name__ == "__main__":
    main()
