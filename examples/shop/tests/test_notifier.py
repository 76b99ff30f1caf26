#!/usr/bin/env python3
"""The notifier's HTTP server without a broker: a client that resets its connection leaves no traceback in the log
(Berth's readiness probe does, twice a second, while the broker is away), and the server goes on answering; an
order id that is not plain digits is 400, never a closed connection.

usage: python3 examples/shop/tests/test_notifier.py
"""
import base64
import contextlib
import hashlib
import hmac
import io
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
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

    def test_an_order_id_that_is_not_plain_digits_is_400(self):
        # Found by the outside audit (audit9): int() took `99999999999999999999999`, which sqlite3 then refused with
        # OverflowError, so the server closed the connection without an answer (the gateway answered 502 after
        # trying both replicas, and each request logged two tracebacks); `+1`, `1_0` and other scripts' digits
        # were read as numbers.
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        secret = "k" * 32
        previous = os.environ.get("SHOP_JWT_SECRET")
        os.environ["SHOP_JWT_SECRET"] = secret
        self.addCleanup(lambda: os.environ.pop("SHOP_JWT_SECRET") if previous is None
                        else os.environ.__setitem__("SHOP_JWT_SECRET", previous))
        path = os.path.join(folder.name, "notification.sqlite")
        notifier.connect_db(path).executescript(notifier.SCHEMA)
        consumer = notifier.Consumer("amqp://unused", notifier.connect_db(path), "notification/0")
        server = notifier.Server(("127.0.0.1", 0), notifier.make_handler(path, consumer, folder.name))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        port = server.server_address[1]

        def b64(raw):
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64(json.dumps({"sub": "7", "exp": int(time.time()) + 600}).encode())
        signature = b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
        token = f"{head}.{body}.{signature}"

        def get(order_id):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/?order_id={order_id}",
                                             headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        self.assertEqual(get("12"), (200, []))
        self.assertEqual(get("999999999999999999"), (200, []))
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            for value in ("99999999999999999999999", "9223372036854775808", "-1", "%2B1", "%201", "1_0",
                          "%D9%A1", "0x10", "1e3"):
                status, answer = get(value)
                self.assertEqual(status, 400, value)
                self.assertEqual(answer["error"]["code"], "invalid_field", value)
        self.assertNotIn("Traceback", errors.getvalue())


class ParseEventTests(unittest.TestCase):
    def event(self, **changes):
        event = {"event_id": "e-1", "type": "order.confirmed", "order_id": 7, "user_id": "3", "total_cents": 1200}
        event.update(changes)
        return json.dumps(event).encode()

    def test_numbers_sqlite_cannot_store_are_bad_events(self):
        # Found by the outside audit (audit9): anyone who may publish to the broker (its guest user works on
        # loopback) sent "order_id": 2**70; the shape check passed it, the INSERT raised OverflowError in the
        # consumer's callback, and the message stayed unacknowledged on a connection the consumer had abandoned.
        # Now it is dropped like any other message that is not an order event.
        self.assertEqual(notifier.parse_event(self.event())[1], 7)
        self.assertEqual(notifier.parse_event(self.event(order_id=2**63 - 1, total_cents=-2**63))[1], 2**63 - 1)
        for changes in ({"order_id": 2**70}, {"order_id": 2**63}, {"total_cents": -2**63 - 1}, {"order_id": True},
                        {"total_cents": False}, {"order_id": 7.0}):
            with self.assertRaises(notifier.BadEvent, msg=str(changes)):
                notifier.parse_event(self.event(**changes))
        # What parse_event accepts, the table stores.
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        db = notifier.connect_db(os.path.join(folder.name, "notification.sqlite"))
        db.executescript(notifier.SCHEMA)
        row = notifier.parse_event(self.event(order_id=2**63 - 1, total_cents=-2**63))
        db.execute("INSERT INTO notifications (event_id, order_id, type, user_id, total_cents, message, received_at, "
                   "replica) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*row, 0, "test"))


if __name__ == "__main__":
    unittest.main()
