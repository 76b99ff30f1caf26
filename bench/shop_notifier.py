#!/usr/bin/env python3
"""The shop's event path alone: CPU per order event of the notifier (its 2 replicas) and of RabbitMQ, without the
Swift services, so that a change to the notifier can be measured without a release build of the shop.

Starts the shop's own epmd and broker (examples/shop/rabbitmq/run.sh, a private data folder and free ports), two
replicas of each NOTIFIER given (in turn, ROUNDS times, alternating the order), and publishes order events as the
order service's outbox relay does: persistent messages to the topic exchange `shop.events` (without publisher
confirms, see below), RATE a second in batches every 20 ms (the relay's gather), for DURATION seconds. CPU (user + system, from /proc) of
the notifiers and the broker is read from the first published batch until every event is stored; the publisher's
own is not counted. Stops everything it started, by pid.

usage: bench/shop_notifier.py NOTIFIER.py [NOTIFIER.py ...]    env: RATE=600 DURATION=15 ROUNDS=3
"""
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import pika

from shop_load import tree_cpu  # CPU of a process tree from /proc, as bench/shop.sh reads it
from e2e import free_port  # noqa: E402  (shop_load puts the shop's test helpers on the path)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOP = os.path.join(ROOT, "examples", "shop")


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/task/{current}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        found.extend(kids)
        todo.extend(kids)
    return found


def wait_until(check, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def event(order_id):
    return json.dumps({"event_id": f"order.confirmed:{order_id}", "type": "order.confirmed", "order_id": order_id,
                       "user_id": "1", "status": "confirmed", "total_cents": 250,
                       "items": [{"sku": "sticker", "quantity": 1, "price_cents": 250}], "error_code": None,
                       "occurred_at": "2026-12-07T10:00:00Z"}, sort_keys=True).encode()


def run(notifier, rate, duration):
    work = tempfile.mkdtemp(prefix="shop-notifier-bench-")
    data = os.path.join(work, "data")
    amqp, epmd, ports = free_port(below=45536), free_port(), [free_port(), free_port()]
    env = dict(os.environ, SHOP_DATA_DIR=data, PORT=str(amqp), SHOP_EPMD_PORT=str(epmd),
               SHOP_AMQP_NODE=f"bench{amqp}@localhost", SHOP_JWT_SECRET="k" * 32)
    started = []
    log = open(os.path.join(work, "log"), "w")
    try:
        started.append(subprocess.Popen(["epmd", "-port", str(epmd), "-address", "127.0.0.1"], stdout=log,
                                        stderr=log, start_new_session=True))
        broker = subprocess.Popen([os.path.join(SHOP, "rabbitmq", "run.sh")], env=env, stdout=log, stderr=log,
                                  start_new_session=True)
        started.append(broker)
        wait_until(lambda: port_open(amqp), 120, "the broker")
        url = f"amqp://guest:guest@127.0.0.1:{amqp}/"
        consumers = []
        for replica, port in enumerate(ports):
            consumers.append(subprocess.Popen(
                [sys.executable, notifier, "serve"], env=dict(env, PORT=str(port), SHOP_AMQP_URL=url,
                                                              BERTH_REPLICA=str(replica)),
                stdout=log, stderr=log, start_new_session=True))
        started.extend(consumers)
        wait_until(lambda: all(ready(port) for port in ports), 60, "the notifiers")
        connection = pika.BlockingConnection(pika.URLParameters(url))
        # No publisher confirms here: pika's blocking channel would wait for each message's confirm (the relay
        # waits per batch), and the publisher could not keep the rate; the broker's confirm work is not measured.
        channel = connection.channel()
        properties = lambda i: pika.BasicProperties(content_type="application/json", delivery_mode=2,  # noqa: E731
                                                    message_id=f"order.confirmed:{i}")
        batch = max(1, round(rate * 0.02))
        total = batch * int(duration / 0.02)
        cpu = lambda: {"notification": sum(tree_cpu(c.pid) for c in consumers),  # noqa: E731
                       "rabbitmq": tree_cpu(broker.pid)}
        before, began = cpu(), time.time()
        sent = 0
        while sent < total:
            for _ in range(batch):
                sent += 1
                channel.basic_publish("shop.events", "order.confirmed", event(sent), properties(sent))
            time.sleep(max(0.0, began + sent / rate - time.time()))
        database = os.path.join(data, "notification.sqlite")

        def stored():
            with sqlite3.connect(database, timeout=10) as db:
                return db.execute("SELECT count(*) FROM notifications").fetchone()[0]
        wait_until(lambda: stored() >= total, 60, "every event stored")
        after, elapsed = cpu(), time.time() - began
        connection.close()
        return {name: (after[name] - before[name]) / total * 1e6 for name in after}, total / elapsed
    finally:
        for process in reversed(started):
            for pid in [process.pid] + descendants(process.pid):
                try:
                    os.kill(pid, signal.SIGTERM if process is started[1] else signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in [process.pid] + descendants(process.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        log.close()
        subprocess.run(["rm", "-rf", work])


def main():
    notifiers = sys.argv[1:]
    if not notifiers:
        raise SystemExit(__doc__)
    rate, duration = float(os.environ.get("RATE", "600")), float(os.environ.get("DURATION", "15"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    results = {n: [] for n in notifiers}
    for r in range(rounds):
        for notifier in notifiers if r % 2 == 0 else list(reversed(notifiers)):
            load = open("/proc/loadavg").read().split()[0]
            cpu, rate_seen = run(notifier, rate, duration)
            results[notifier].append(cpu)
            print(f"round {r + 1} {notifier}: load {load}, {rate_seen:.0f} events/s, "
                  + ", ".join(f"{k} {v:.0f} us" for k, v in cpu.items()), flush=True)
    print(f"\n| us of CPU per event, median of {rounds} (range) | " + " | ".join(notifiers) + " |")
    print("| --- |" + " --- |" * len(notifiers))
    for name in ("notification", "rabbitmq"):
        cells = []
        for n in notifiers:
            values = [c[name] for c in results[n]]
            cells.append(f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
