"""Event-to-action latency: from POST /v1/batch to the Delivery intent being committed.

    .venv/bin/python bench/latency.py [--rate 500] [--seconds 30]

A live journey `event_trigger` -> `send_webhook` runs on a real server (`manage.py web`: daphne processes) and one
engine worker process. Events are posted at a steady rate, each for a new customer, in
batches of 10 per request. A watcher polls the outbox every few milliseconds; an event's
latency is from the start of its POST to the moment its Delivery was first seen committed
(an upper bound: the poll interval is included). Prints one JSON line.
"""

import argparse
import base64
import http.client
import json
import threading
import time
import uuid

from common import (
    graph_node,
    log,
    percentile,
    reset_bench_database,
    running_server,
    setup_django,
    use_bench_database,
)

BATCH = 10
POLL_SECONDS = 0.005


def make_journey():
    from journeys import services

    trigger_event = f"Latency Probe {uuid.uuid4().hex[:8]}"
    graph = {
        "nodes": [
            graph_node("probe", "event_trigger", {"event": trigger_event}),
            graph_node("hook", "send_webhook", {"url": "https://hooks.example.com/latency"}),
        ],
        "edges": [{"id": "a", "source": "probe", "sourceHandle": "next", "target": "hook"}],
    }
    journey = services.journey_create(name=f"bench latency {time.time():.0f}", graph=graph)
    services.journey_publish(journey=journey)
    return journey.pk, trigger_event


def sender(port, write_key, event_name, rate, seconds, sent_at, errors):
    """Post `rate` events per second in batches, on a steady schedule, recording each batch's start."""
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    interval = BATCH / rate
    start = time.monotonic()
    batches = int(seconds * rate / BATCH)
    for number in range(batches):
        time.sleep(max(0.0, start + number * interval - time.monotonic()))
        users = [f"lat-{uuid.uuid4().hex}" for _ in range(BATCH)]
        body = json.dumps({"batch": [{"type": "track", "userId": u, "event": event_name} for u in users]})
        began = time.time()
        try:
            connection.request("POST", "/v1/batch", body, {"Authorization": auth, "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
                continue
        except OSError as error:
            errors.append(repr(error))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        for user in users:
            sent_at[user] = began


def watcher(journey_id, seen_at, stop):
    """Note when each delivery first becomes visible to another connection."""
    setup_django()
    from django.db import connection

    last_id = 0
    with connection.cursor() as cursor:
        while not stop.is_set():
            cursor.execute(
                "SELECT d.id, c.external_id FROM journeys_delivery d JOIN journeys_customer c ON c.id = d.customer_id"
                " WHERE d.journey_id = %s AND d.id > %s ORDER BY d.id",
                [journey_id, last_id],
            )
            now = time.time()
            for delivery_id, external_id in cursor.fetchall():
                seen_at.setdefault(external_id, now)
                last_id = max(last_id, delivery_id)
            time.sleep(POLL_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500, help="events per second")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    database = use_bench_database()
    setup_django()
    from journeys.models import Source

    reset_bench_database(database)
    journey_id, event_name = make_journey()
    source = Source(name=f"bench latency {time.time():.0f}")
    write_key = source.set_new_write_key()
    source.save()

    sent_at, seen_at, errors = {}, {}, []
    stop = threading.Event()
    try:
        with running_server(engine_seconds=args.seconds + 20) as (port, _server):
            watch = threading.Thread(target=watcher, args=(journey_id, seen_at, stop), daemon=True)
            watch.start()
            log(f"posting {args.rate} events/s for {args.seconds:.0f} s")
            sender(port, write_key, event_name, args.rate, args.seconds, sent_at, errors)
            deadline = time.monotonic() + 10
            while len(seen_at) < len(sent_at) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        stop.set()

    latencies = [(seen_at[user] - began) * 1000 for user, began in sent_at.items() if user in seen_at]
    figures = {
        "events": len(sent_at),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "lost": len(sent_at) - len(latencies),
        "request_errors": len(errors),
    }
    log(f"  p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, lost {figures['lost']}")
    print(json.dumps({"bench": "latency", "rate": args.rate, "seconds": args.seconds, "database": database, **figures}))


if __name__ == "__main__":
    main()
