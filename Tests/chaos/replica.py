#!/usr/bin/env python3
"""A small HTTP replica for the chaos scenarios (Tests/chaos/run.py), configurable per replica index.

usage: replica.py [--bad INDEX:MODE,...] [--log-every MS]
  PORT and BERTH_REPLICA come from the environment (berthd sets them).
  MODE close-head: answer a partial response head, then close the connection (mid-response, before the head ends);
  MODE garbage: answer bytes that are not HTTP.
  /ready and /healthz always answer 200, so only the gateway's passive health can notice a bad replica.
  --log-every MS: print "seq N replica=I pid=P" to stdout every MS milliseconds (N counts from 1, flushed at once).
"""
import http.server, os, sys, threading, time

index = int(os.environ.get("BERTH_REPLICA", "0"))
bad_modes = {}
log_every = None
arguments = sys.argv[1:]
while arguments:
    flag = arguments.pop(0)
    if flag == "--bad":
        for entry in arguments.pop(0).split(","):
            replica, mode = entry.split(":")
            bad_modes[int(replica)] = mode
    elif flag == "--log-every":
        log_every = int(arguments.pop(0))
    else:
        sys.exit(f"replica.py: unknown flag {flag}")
mode = bad_modes.get(index, "good")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path not in ("/ready", "/healthz") and mode == "close-head":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path not in ("/ready", "/healthz") and mode == "garbage":
            self.wfile.write(b"SPLAT \x00\x01 this is not http\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        body = f"replica={index} pid={os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def log_lines():
    number = 0
    while True:
        number += 1
        sys.stdout.write(f"seq {number} replica={index} pid={os.getpid()}\n")
        sys.stdout.flush()
        time.sleep(log_every / 1000)


if log_every:
    threading.Thread(target=log_lines, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
server.daemon_threads = True
server.serve_forever()
