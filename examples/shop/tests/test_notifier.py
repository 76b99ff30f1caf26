#!/usr/bin/env python3
"""The notifier without a broker: a client that resets its connection leaves no traceback in the log (Berth's
readiness probe does, twice a second, while the broker is away), and the server goes on answering; an order id that
is not plain digits is 400, never a closed connection; a read's deliveries are stored in one transaction and acked
once, after the commit.

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


class TokenTests(unittest.TestCase):
    """The notifier reads tokens as the Swift services do (jwt-kit 5.8, Foundation's JSONDecoder, the order
    service's claims). Where a case says what Swift does, it was run through JSONDecoder or read in jwt-kit's and
    swift-extras-base64's sources (outside audit, audit10; audit9 found the first differences)."""
    SECRET = b"s" * 32
    NOW = 1_800_000_000

    @staticmethod
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def token(self, claims=None, header=None, raw_claims=None, raw_header=None, secret=None):
        head = self.b64(raw_header if raw_header is not None else json.dumps(header or {"alg": "HS256",
                                                                                         "typ": "JWT"}).encode())
        body = self.b64(raw_claims if raw_claims is not None else json.dumps(
            claims if claims is not None else {"sub": "7", "exp": self.NOW + 600}).encode())
        signature = hmac.new(secret or self.SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{self.b64(signature)}"

    def user(self, value):
        return notifier.token_user(value, self.SECRET, now=self.NOW)

    def test_a_valid_token_and_what_jwt_kit_also_accepts(self):
        self.assertEqual(self.user("Bearer " + self.token()), "7")
        # NIO's parser drops spaces after a field's value; Python's does not.
        self.assertEqual(self.user("Bearer " + self.token() + "  "), "7")
        accepted = [
            b'{"sub":"7","exp":1800000600.0}', b'{"sub":"7","exp":18000006e2}', b'{"sub":"7","exp":1.8000006E9}',
            b'{"sub":"7","exp":1800000600,"sub":"8"}',  # the first of duplicate keys
            b'{"sub":"7","exp":1800000600,}', b'{"sub":"7","exp":1800000600,"x":[1,]}',  # trailing commas
            b'\xef\xbb\xbf{"sub":"7","exp":1800000600}', '{"sub":"7","exp":1800000600}'.encode("utf-16"),
            b'{"sub":"7","exp":1800000600,"nbf":1900000000,"iat":1900000000}',  # not read by the services
            b'{"sub":"7","exp":1800000600,"x":' + b"[" * 511 + b"]" * 511 + b"}",
        ]
        for raw in accepted:
            self.assertEqual(self.user("Bearer " + self.token(raw_claims=raw)), "7", raw[:60])
        self.assertEqual(self.user("Bearer " + self.token(raw_header=b'{"alg":"HS256","alg":"none"}')), "7")

    def test_what_jwt_kit_refuses_is_refused(self):
        good = self.token()
        head, body, signature = good.split(".")
        refused = {
            "a space before the token": "Bearer  " + good,
            "lower-case scheme": "bearer " + good,
            "no scheme": good,
            "padding in the middle": f"Bearer {head}=.{body}.{signature}",
            "a junk character Python's base64 drops": f"Bearer {head}.{body}!.{signature}",
            "the standard alphabet": "Bearer " + good.replace("-", "+").replace("_", "/")
            if "-" in good or "_" in good else "Bearer " + head + "+." + body + "." + signature,
            "length 1 modulo 4": f"Bearer {head}.{body}.{signature}A",
            "four parts": f"Bearer {good}.x",
            "a trailing dot": f"Bearer {good}.",
            "alg none": "Bearer " + self.token(header={"alg": "none"}),
            "alg hs256": "Bearer " + self.token(header={"alg": "hs256"}),
            "alg HS512": "Bearer " + self.token(header={"alg": "HS512"}),
            "no alg": "Bearer " + self.token(header={"typ": "JWT"}),
            "the first alg is none": "Bearer " + self.token(raw_header=b'{"alg":"none","alg":"HS256"}'),
            "another key": "Bearer " + self.token(secret=b"t" * 32),
        }
        claims = {
            "exp of 10**30": b'{"sub":"7","exp":1000000000000000000000000000000}',
            "exp past 64 bits": b'{"sub":"7","exp":9223372036854775808}',
            "exp 2**63 as a double": b'{"sub":"7","exp":9223372036854775807.0}',
            "exp with a fraction": b'{"sub":"7","exp":1800000600.5}',
            "exp true": b'{"sub":"7","exp":true}',
            "exp a string": b'{"sub":"7","exp":"1800000600"}',
            "exp NaN": b'{"sub":"7","exp":NaN}',
            "exp Infinity": b'{"sub":"7","exp":Infinity}',
            "exp 1e400": b'{"sub":"7","exp":1e400}',
            "exp past": b'{"sub":"7","exp":1800000000}',
            "no exp": b'{"sub":"7"}',
            "sub a number": b'{"sub":7,"exp":1800000600}',
            "sub a lone surrogate": b'{"sub":"\\ud800","exp":1800000600}',
            "a control character": b'{"sub":"7\x01","exp":1800000600}',
            "a leading zero": b'{"sub":"7","exp":01800000600}',
            "a plus sign": b'{"sub":"7","exp":+1800000600}',
            "two commas": b'{"sub":"7","exp":1800000600,,}',
            "an array": b'[{"sub":"7","exp":1800000600}]',
            "trailing text": b'{"sub":"7","exp":1800000600} x',
            "513 levels": b'{"sub":"7","exp":1800000600,"x":' + b"[" * 512 + b"]" * 512 + b"}",
        }
        for why, raw in claims.items():
            refused[why] = "Bearer " + self.token(raw_claims=raw)
        for why, value in refused.items():
            self.assertIsNone(self.user(value), why)

    def test_base64url_as_swift_extras_decodes_it(self):
        self.assertEqual(notifier.base64url_decode(""), b"")
        self.assertEqual(notifier.base64url_decode("QQ"), b"A")
        self.assertEqual(notifier.base64url_decode("QR"), b"A")  # bits past the last byte are ignored
        self.assertEqual(notifier.base64url_decode("QQ=="), b"A")
        self.assertEqual(notifier.base64url_decode("QQ="), b"A")
        self.assertEqual(notifier.base64url_decode("QUI="), b"AB")
        self.assertEqual(notifier.base64url_decode("_-8"), bytes([0xFF, 0xEF]))
        for text in ("Q", "QQ===", "Q===", "QQ==QUI", "Q+8", "Q/8", "QQ QQ", "QQ\n"):
            self.assertIsNone(notifier.base64url_decode(text), text)


class FakeChannel:
    """Records what the consumer tells the broker."""

    def __init__(self):
        self.acks, self.nacks = [], []

    def basic_ack(self, tag, multiple=False):
        self.acks.append((tag, multiple))

    def basic_nack(self, tag, requeue=True):
        self.nacks.append((tag, requeue))


class Delivery:
    def __init__(self, tag):
        self.delivery_tag = tag
        self.message_id = f"m-{tag}"


class ConsumerBatchTests(unittest.TestCase):
    """A read's deliveries are stored in one transaction and acked once, only after the commit."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.path = os.path.join(folder.name, "notification.sqlite")
        notifier.connect_db(self.path).executescript(notifier.SCHEMA)
        self.consumer = notifier.Consumer("amqp://unused", notifier.connect_db(self.path), "notification/0")
        self.channel = FakeChannel()

    def deliver(self, tag, body):
        self.consumer.on_message(self.channel, Delivery(tag), Delivery(tag), body)

    def event(self, event_id, order_id):
        return json.dumps({"event_id": event_id, "type": "order.confirmed", "order_id": order_id, "user_id": "3",
                           "total_cents": 1200}).encode()

    def rows(self):
        with contextlib.closing(notifier.connect_db(self.path)) as db:
            return db.execute("SELECT event_id, order_id FROM notifications ORDER BY order_id").fetchall()

    def test_a_batch_is_one_ack_after_its_rows_are_committed(self):
        for tag in (1, 2, 3):
            self.deliver(tag, self.event(f"e-{tag}", tag))
        self.assertEqual(self.channel.acks, [])  # nothing acked before the batch is stored
        self.assertEqual(self.rows(), [])
        self.consumer.store(self.channel)
        self.assertEqual(self.rows(), [("e-1", 1), ("e-2", 2), ("e-3", 3)])
        self.assertEqual(self.channel.acks, [(3, True)])
        self.assertEqual((self.consumer.stored, self.consumer.duplicates), (3, 0))
        self.consumer.store(self.channel)  # nothing pending: no empty transaction, no second ack
        self.assertEqual(self.channel.acks, [(3, True)])

    def test_a_redelivered_event_is_acked_and_stored_once(self):
        self.deliver(1, self.event("e-1", 1))
        self.consumer.store(self.channel)
        self.deliver(2, self.event("e-1", 1))  # the same event again (a publisher or consumer died mid-way)
        self.deliver(3, self.event("e-2", 2))
        self.consumer.store(self.channel)
        self.assertEqual(self.rows(), [("e-1", 1), ("e-2", 2)])
        self.assertEqual(self.channel.acks, [(1, True), (3, True)])
        self.assertEqual((self.consumer.stored, self.consumer.duplicates), (2, 1))

    def test_a_bad_message_is_dropped_alone(self):
        self.deliver(1, self.event("e-1", 1))
        self.deliver(2, b"not json")
        self.consumer.store(self.channel)
        self.assertEqual(self.channel.nacks, [(2, False)])  # dead-lettered at once, never requeued
        self.assertEqual(self.channel.acks, [(1, True)])  # the ack stops below it
        self.assertEqual(self.rows(), [("e-1", 1)])

    def test_a_failed_commit_acks_nothing_and_stores_nothing(self):
        self.deliver(1, self.event("e-1", 1))
        self.deliver(2, self.event("e-2", 2))
        with contextlib.closing(notifier.connect_db(self.path)) as other:
            other.execute("CREATE TRIGGER refuse BEFORE INSERT ON notifications WHEN NEW.order_id = 2 "
                          "BEGIN SELECT RAISE(ABORT, 'refused'); END")
        with self.assertRaises(Exception):
            self.consumer.store(self.channel)
        self.assertEqual(self.channel.acks, [])  # the broker redelivers both once the connection is closed
        self.assertEqual(self.rows(), [])  # the first row was rolled back with the second
        self.assertFalse(self.consumer.db.in_transaction)
        self.assertEqual(self.consumer.pending, [])


if __name__ == "__main__":
    unittest.main()
