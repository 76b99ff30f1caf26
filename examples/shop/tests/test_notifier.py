#!/usr/bin/env python3
"""The notifier's HTTP server without a broker: a client that resets its connection leaves no traceback in the log
(Berth's readiness probe does, twice a second, while the broker is away), and the server goes on answering.

usage: python3 examples/shop/tests/test_notifier.py
"""
import contextlib
import io
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notification"))
import notifier  # noqa: E402


class NotifierServerTests(unittest.TestCase):
    def test_a_reset_connection_leaves_no_traceback(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = os.path.join(folder.name, "notification.sqlite")
        notifier.connect_db(path).executescript(notifier.SCHEMA)
        consumer = notifier.Consumer("amqp://unused", notifier.connect_db(path), "notification/0")
        server = notifier.Server(("127.0.0.1", 0), notifier.make_handler(path, consumer, folder.name))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        port = server.server_address[1]
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            for _ in range(3):
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                time.sleep(0.05)  # the server's thread is reading the request line
                client.close()  # RST
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                self.assertEqual(response.status, 200)
        self.assertNotIn("Traceback", errors.getvalue())


if __name__ == "__main__":
    unittest.main()
