#!/usr/bin/env python3
"""The shop's notification service: a team on another stack (Python, pika), fed by the order service's events.

Usage: notifier.py serve

Consumes `order.confirmed` / `order.cancelled` from the durable queue `notifications` (bound to the topic
exchange `shop.events` with `order.*`) as one of several competing consumers, with manual acks: a message is acked
only after its notification is committed to SQLite, and stored once per event id (INSERT OR IGNORE), so a
redelivery (after a consumer, a broker or a publisher died mid-way) changes nothing. Serves over HTTP on
127.0.0.1:$PORT: `GET /?order_id=N` (the gateway's `/api/notifications?order_id=N`), `GET /health` (alive) and
`GET /ready` (200 once consuming, 503 while the broker is away).

`GET /?order_id=N` needs the user's login token (`Authorization: Bearer TOKEN`, the user service's HS256 JWT) and
lists only that user's notifications: another user's order reads as an empty list, as one whose event has not
arrived yet. Before, anyone could read any order's notifications (its owner's id and total) by counting order ids
(found by the outside audit, audit7).

Environment: PORT, SHOP_AMQP_URL (amqp://guest:guest@127.0.0.1:5673/), SHOP_DATA_DIR (data), SHOP_JWT_SECRET (else
the file the Swift services generate, $SHOP_DATA_DIR/secrets/jwt-secret), BERTH_SERVICE, BERTH_REPLICA.
"""
import base64
import contextlib
import hashlib
import hmac
import json
import math
import os
import random
import re
import sqlite3
import stat
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pika

EXCHANGE = "shop.events"
QUEUE = "notifications"
BINDING = "order.*"
# How long a consumer lets deliveries gather after a read before it stores them (Consumer.consume).
GATHER_SECONDS = 0.05
SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    event_id TEXT PRIMARY KEY,
    order_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    user_id TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    message TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    replica TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_order ON notifications (order_id);
"""


def log(text):
    print(text, flush=True)


def connect_db(path):
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def jwt_secret(data):
    """The login tokens' HS256 key: SHOP_JWT_SECRET, else the file the user service generated (ServiceSecret.swift:
    a regular file of ours, mode 0600, at least 32 bytes); None while there is none yet."""
    value = os.environ.get("SHOP_JWT_SECRET", "")
    if value:
        return value.encode() if len(value.encode()) >= 32 else None
    path = os.path.join(data, "secrets", "jwt-secret")
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            return None
        with open(path, "rb") as file:
            secret = file.read().strip()
    except OSError:
        return None
    return secret if len(secret) >= 32 else None


def parse_order_id(value):
    """An order id as the order service writes them (ASCII digits, at most 18, so that it fits SQLite's 64-bit
    INTEGER), else None. Python's int() also takes `+1`, ` 1`, `1_0`, other scripts' digits (`١`) and numbers past
    2^63, which sqlite3 refused with OverflowError: the request's connection was closed without an answer, a
    traceback logged, and the gateway answered 502 after trying both replicas (audit9)."""
    if not 1 <= len(value) <= 18 or not all("0" <= character <= "9" for character in value):
        return None
    return int(value)


# The login tokens are read as the Swift services read them (jwt-kit 5.8 with Foundation's JSONDecoder: the order
# service's TokenVerifier, claims `sub` and `exp`), so that a token works in all three services or in none. Before
# (outside audit, audit9/audit10), the notifier took a space before the token, `exp` of 10**30, `true` as a claim's
# number, lone surrogates, NaN, and base64 with junk characters that Python drops; jwt-kit refuses each.
_BASE64URL = {character: value for value, character in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_INT64 = 2 ** 63
# Foundation's JSON parser refuses nesting deeper than this (a claim holding 513 nested arrays).
_MAX_DEPTH = 512


def base64url_decode(text):
    """swift-extras-base64's decoding as jwt-kit asks it (URL alphabet, padding optional): length 1 modulo 4 is an
    error, `=` only in the last group's last two places, bits past the last byte ignored; None if invalid."""
    if len(text) % 4 == 1:
        return None
    full = len(text) // 4 - 1 if len(text) % 4 == 0 else len(text) // 4
    out = bytearray()
    for group in range(max(full, 0) + (1 if text else 0)):
        chunk = text[group * 4:group * 4 + 4]
        last = group == full
        present = [True, True, last is False or (len(chunk) > 2 and chunk[2] != "="),
                   last is False or (len(chunk) > 3 and chunk[3] != "=")]
        values = []
        for index in range(4):
            character = chunk[index] if present[index] else "A"
            if character not in _BASE64URL:
                return None
            values.append(_BASE64URL[character])
        word = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3]
        out.append(word >> 16)
        if present[2]:
            out.append((word >> 8) & 0xFF)
        if present[3]:
            out.append(word & 0xFF)
    return bytes(out)


class _Refused(ValueError):
    """A JSON text Foundation's JSONDecoder would not decode as the claims."""


def _float(text):
    # Kept apart from integers: `2e9` may be an `Int` (as a double that is exactly one), `true` never is.
    return ("float", float(text))


def _refuse_constant(name):
    raise _Refused(f"{name} is not JSON")


def _first_wins(pairs):
    # Foundation reads the first of duplicate keys; Python's dict() would keep the last.
    result = {}
    for key, value in pairs:
        result.setdefault(key, value)
    return result


_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')


def swift_json_object(raw):
    """The JSON object in `raw` as Foundation's JSONDecoder reads it; None if it would refuse it. Its leniencies are
    kept (a trailing comma before `}` or `]`, a UTF-8 byte order mark, UTF-16), and its strictness (no NaN, no
    lone surrogate, no control character in a string, at most 512 levels)."""
    try:
        text = raw.decode(json.detect_encoding(raw))
        text = _TRAILING_COMMA.sub(lambda match: match.group(1) or match.group(2), text)
        value = json.loads(text, parse_float=_float, parse_constant=_refuse_constant,
                           object_pairs_hook=_first_wins)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or _depth(value) > _MAX_DEPTH:
        return None
    return value


def _depth(value):
    """How deeply `value` nests (an object of scalars is 1), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level <= _MAX_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _string(value):
    """A JSON string Swift can hold: no unpaired surrogate (`\\ud800`)."""
    if not isinstance(value, str) or any(0xD800 <= ord(character) <= 0xDFFF for character in value):
        return None
    return value


def _int64(value):
    """An `Int` as JSONDecoder decodes one: an integer within 64 bits, or a fraction or exponent whose double is
    exactly such an integer (`2e9`, `2000000000.0`); never a boolean."""
    if isinstance(value, tuple):
        number = value[1]
        if not math.isfinite(number) or number != int(number) or not -_INT64 <= number < _INT64:
            return None
        return int(number)
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64 <= value < _INT64:
        return None
    return value


def token_user(header, secret, now=None):
    """The user id (`sub`) of a valid, unexpired HS256 token in an `Authorization: Bearer` value; None otherwise.
    As jwt-kit: three parts split at the only two dots, each strict base64url; the header a JSON object whose
    `alg` is "HS256"; the HMAC-SHA256 of the exact bytes before the second dot equal to the signature; the claims a
    JSON object with a string `sub` and an integer `exp` after `now` (`nbf` and `iat` are not read by the shop's
    services, so not here either)."""
    if secret is None or not header or not header.startswith("Bearer "):
        return None
    # Spaces and tabs after the value are not part of it (RFC 9110 § 5.5): NIO's parser drops them, Python keeps
    # them. Those before the token are part of it, as for jwt-kit (`Bearer  TOKEN` is refused).
    token = header[len("Bearer "):].rstrip(" \t")
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        return None
    decoded = [base64url_decode(part) for part in parts]
    if None in decoded:
        return None
    head, claims = swift_json_object(decoded[0]), swift_json_object(decoded[1])
    if head is None or claims is None or _string(head.get("alg")) != "HS256":
        return None
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, decoded[2]):
        return None
    sub, exp = _string(claims.get("sub")), _int64(claims.get("exp"))
    if sub is None or exp is None or exp <= (time.time() if now is None else now):
        return None
    return sub


class BadEvent(ValueError):
    """A message that is not an order event: logged and dropped (requeueing would loop forever)."""


def parse_event(body):
    """The notification row for an event body; raises BadEvent for anything that is not an order event."""
    try:
        event = json.loads(body)
    except ValueError as error:
        raise BadEvent(f"not JSON: {error}") from None
    if not isinstance(event, dict):
        raise BadEvent("not a JSON object")
    for name, kind in (("event_id", str), ("type", str), ("order_id", int), ("user_id", str), ("total_cents", int)):
        value = event.get(name)
        # bool is an int to Python; a number past SQLite's 64-bit INTEGER made the INSERT raise OverflowError, which
        # left the message unacknowledged on a connection the consumer no longer read (audit9).
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and not -2**63 <= value < 2**63):
            raise BadEvent(f"field {name} missing or not a {kind.__name__}")
    if event["type"] == "order.confirmed":
        message = f"Order {event['order_id']} is confirmed: {event['total_cents'] / 100:.2f} charged."
    elif event["type"] == "order.cancelled":
        message = f"Order {event['order_id']} was cancelled ({event.get('error_code') or 'failed'}); nothing charged."
    else:
        raise BadEvent(f"unknown event type {event['type']}")
    return (event["event_id"], event["order_id"], event["type"], event["user_id"], event["total_cents"], message)


class Consumer:
    """One connection to the broker at a time, reconnecting with backoff; `ready` while it consumes.

    Deliveries are stored in batches: the callback only parses and keeps each one, and once pika has dispatched
    every delivery its last read brought (`process_data_events` returns), `store` writes them in one SQLite
    transaction and acknowledges them with one `basic_ack(multiple=True)`. Before, each delivery was a transaction
    (a turn on the file's write lock and a WAL append) and an ack frame of its own. The guarantee is the same: a
    delivery is acked only after its row is committed, so a crash in between redelivers it, and the INSERT OR
    IGNORE makes the redelivery change nothing.
    """

    def __init__(self, url, db, replica):
        self.url = url
        self.db = db
        self.replica = replica
        self.ready = threading.Event()
        self.stored = 0
        self.duplicates = 0
        self.pending = []  # (delivery tag, row) of the deliveries not stored yet, in delivery order

    def on_message(self, channel, method, properties, body):
        try:
            row = parse_event(body)
        except BadEvent as error:
            log(f"notification: dropping message {properties.message_id}: {error}")
            channel.basic_nack(method.delivery_tag, requeue=False)
            return
        self.pending.append((method.delivery_tag, row))

    def store(self, channel):
        """Commits the pending rows in one transaction, then acks them all (tags only grow on a channel); on an
        error nothing is acked and the rows are dropped from memory (the broker redelivers them once the caller
        closes the connection)."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        received_at = int(time.time() * 1000)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            changed = self.db.executemany(
                "INSERT OR IGNORE INTO notifications (event_id, order_id, type, user_id, total_cents, message, "
                "received_at, replica) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, received_at, self.replica) for _, row in batch]).rowcount
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # some errors (a full disk) have rolled it back already
                self.db.execute("ROLLBACK")
            raise
        self.stored += changed
        self.duplicates += len(batch) - changed
        channel.basic_ack(batch[-1][0], multiple=True)  # after the commit: a crash before it redelivers

    def consume(self, connection, channel):
        """Dispatches deliveries and stores them in batches, until the connection fails. After a read that brought
        deliveries, more are let in for GATHER_SECONDS before the batch is stored: the broker sends each event as it
        comes, so under load a read brought one or two, each batch a transaction and an ack. A notification is
        stored at most that much later; idle, the consumer waits in the read alone."""
        while True:
            connection.process_data_events(time_limit=None)
            if self.pending:
                time.sleep(GATHER_SECONDS)
                connection.process_data_events(time_limit=0)
            self.store(channel)

    def run(self):
        backoff = 0.1
        parameters = pika.URLParameters(self.url)
        parameters.heartbeat = 10
        parameters.connection_attempts = 1
        parameters.socket_timeout = 3
        while True:
            connection = None
            try:
                connection = pika.BlockingConnection(parameters)
                channel = connection.channel()
                channel.exchange_declare(EXCHANGE, "topic", durable=True)
                channel.queue_declare(QUEUE, durable=True)
                channel.queue_bind(QUEUE, EXCHANGE, BINDING)
                channel.basic_qos(prefetch_count=100)
                channel.basic_consume(QUEUE, self.on_message, auto_ack=False)
                log(f"notification {self.replica}: consuming {QUEUE}")
                self.ready.set()
                backoff = 0.1
                self.consume(connection, channel)
            except Exception as error:  # connection refused, broker killed, heartbeat missed, channel closed
                self.pending = []  # unacked: the broker redelivers them
                log(f"notification {self.replica}: broker: {type(error).__name__}: {error}; retry in {backoff:.1f} s")
                # An error of our own (a database error in store) leaves the connection open: close it, so that
                # the broker redelivers what it held at once instead of after missed heartbeats.
                with contextlib.suppress(Exception):
                    connection.close()
            self.ready.clear()
            time.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, 5.0)


def make_handler(path, consumer, data):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, value):
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def error(self, status, code, message):
            self.reply(status, {"error": {"code": code, "message": message}})

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/health":
                return self.reply(200, {"status": "ok"})
            if url.path == "/ready":
                if consumer.ready.is_set():
                    return self.reply(200, {"status": "ok", "stored": consumer.stored,
                                            "duplicates": consumer.duplicates})
                return self.error(503, "unavailable", "not connected to the broker")
            if url.path not in ("", "/", "/notifications"):
                return self.error(404, "not_found", f"no route for GET {url.path}")
            user = token_user(self.headers.get("Authorization"), jwt_secret(data))
            if user is None:
                return self.error(401, "unauthorized", "missing or invalid Authorization: Bearer TOKEN")
            query = urllib.parse.parse_qs(url.query)
            values = query.get("order_id", [])
            if len(values) != 1:
                return self.error(400, "missing_field", "order_id is required: ?order_id=N")
            order_id = parse_order_id(values[0])
            if order_id is None:
                return self.error(400, "invalid_field", "order_id must be an integer")
            with connect_db(path) as db:
                rows = db.execute(
                    "SELECT event_id, order_id, type, user_id, total_cents, message, received_at FROM notifications "
                    "WHERE order_id = ? AND user_id = ? ORDER BY received_at", (order_id, user)).fetchall()
            names = ("event_id", "order_id", "type", "user_id", "total_cents", "message", "received_at")
            self.reply(200, [dict(zip(names, row)) for row in rows])

        def do_POST(self):
            self.error(405, "method_not_allowed", "notifications are read-only")

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that resets its connection before sending a request (Berth's readiness probe does after a 503,
        # twice a second while the broker is away) is no fault of the service: socketserver would print a
        # traceback of some 20 lines for each, which buried every other line of the shop's log.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def serve():
    port = int(os.environ.get("PORT", "8000"))
    url = os.environ.get("SHOP_AMQP_URL")
    if not url:
        print("notification serve: SHOP_AMQP_URL is not set", file=sys.stderr)
        return 2
    data = os.environ.get("SHOP_DATA_DIR") or "data"
    os.makedirs(data, mode=0o700, exist_ok=True)  # the shop's alone, as ShopDatabase makes it
    replica = f"{os.environ.get('BERTH_SERVICE', 'notification')}/{os.environ.get('BERTH_REPLICA', '0')}"
    path = os.path.join(data, "notification.sqlite")
    connect_db(path).executescript(SCHEMA)
    consumer = Consumer(url, connect_db(path), replica)
    threading.Thread(target=consumer.run, daemon=True).start()
    server = Server(("127.0.0.1", port), make_handler(path, consumer, data))
    log(f"notification {replica} listening on 127.0.0.1:{port}")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        print("usage: notifier.py serve", file=sys.stderr)
        sys.exit(2)
    sys.exit(serve())
