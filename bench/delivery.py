"""Webhook delivery throughput, with exactly-once accounting, and queued -> sent latency at a steady rate.

    .venv/bin/python bench/delivery.py [--deliveries 20000] [--workers 2] [--threads 8]
                                       [--rate 200] [--latency-seconds 15]

Queues `--deliveries` webhook deliveries through a live journey (events ingested, the engine
run until every customer reached the webhook node), then starts `--workers` delivery worker
processes against a local HTTP sink running in its own process on loopback. The sink counts
requests per Idempotency-Key. Prints progress on stderr and one JSON line: `sent_per_s`
(deliveries marked sent per second of sending), `duplicates` (keys the sink received more
than once), `lost` (deliveries the sink never received, or rows not marked sent).

Then, as `manage.py serve` runs them, one `manage.py engine` and two `manage.py deliver` processes,
while this script ingests `--rate` events a second for `--latency-seconds` into a second
journey: each event queues one webhook. `queue_p50_ms` and `queue_p99_ms` are the time from a
delivery row's creation (the engine transaction that queued it) to the sink receiving it.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from common import ROOT, graph_node, log, percentile, reset_bench_database, setup_django, use_bench_database

SINK = r"""
import json, sys, threading, time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

keys = Counter()
first_seen = {}
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("Idempotency-Key")
        with lock:
            keys[key] += 1
            first_seen.setdefault(key, time.time())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        with lock:
            if self.path == "/times":
                body = json.dumps(first_seen).encode()
            else:
                body = json.dumps({"requests": sum(keys.values()), "unique": len(keys),
                               "duplicates": sum(1 for count in keys.values() if count > 1)}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""

WORKER = """
import django
django.setup()
from journeys.delivery import deliveries_run
print(deliveries_run(seconds=600, linger=1), flush=True)
"""


def live_webhook_journey(sink_url: str, label: str):
    """A published event_trigger -> send_webhook journey and a source; returns (event name, journey id, source id)."""
    from journeys import services
    from journeys.models import Source

    event = f"Delivery Bench {uuid.uuid4().hex[:8]}"
    graph = {
        "nodes": [
            graph_node("trigger", "event_trigger", {"event": event}),
            graph_node("hook", "send_webhook", {"url": sink_url, "body": {"user": "{{ customer.id }}"}}),
        ],
        "edges": [{"id": "a", "source": "trigger", "sourceHandle": "next", "target": "hook"}],
    }
    journey = services.journey_create(name=f"bench {label} {time.time():.0f}", graph=graph)
    services.journey_publish(journey=journey)
    source = Source(name=f"bench {label} {uuid.uuid4().hex[:8]}")
    source.set_new_write_key()
    source.save()
    return event, journey.pk, source.id


def ingest(source_id: int, event: str, users: range, run_id: str) -> None:
    from django.utils import timezone

    from journeys.ingest.messages import parse_messages
    from journeys.ingest.services import events_ingest

    now = timezone.now()
    raw = [{"type": "track", "userId": f"dbench-{run_id}-{n}", "event": event} for n in users]
    messages, _ = parse_messages(raw, received_at=now, max_message_bytes=32 * 1024)
    events_ingest(source_id=source_id, messages=messages, received_at=now)


def queue_deliveries(count: int, sink_url: str) -> int:
    from journeys.engine.events import process_events
    from journeys.engine.tick import tick

    event, journey_id, source_id = live_webhook_journey(sink_url, "delivery")
    run_id = uuid.uuid4().hex[:8]
    for start in range(0, count, 500):
        ingest(source_id, event, range(start, min(count, start + 500)), run_id)
        while process_events() + tick().claimed:
            pass
    return journey_id


def measure_queue_latency(sink_url: str, port: int, rate: int, seconds: float, env: dict, senders: int) -> dict:
    """Events at `rate`/s through the product's own engine and delivery processes; queued -> received times."""
    from django.db.models import Count

    from journeys.models import Delivery
    from journeys.models.delivery import idempotency_key

    event, journey_id, source_id = live_webhook_journey(sink_url, "queue latency")
    manage = str(ROOT / "manage.py")
    names = ["engine", *["deliver"] * senders]
    loops = [subprocess.Popen([sys.executable, manage, name], cwd=ROOT, env=env) for name in names]
    try:
        time.sleep(5)  # both loops up and listening (start-up is not what is measured)
        run_id = uuid.uuid4().hex[:8]
        tick_seconds = 0.05
        per_tick = max(1, round(rate * tick_seconds))
        log(f"ingesting {rate} events/s for {seconds:g} s; each queues one webhook")
        started = time.monotonic()
        sent_events = 0
        while (elapsed := time.monotonic() - started) < seconds:
            ingest(source_id, event, range(sent_events, sent_events + per_tick), run_id)
            sent_events += per_tick
            time.sleep(max(0.0, started + sent_events / rate - time.monotonic()))
        log(f"{sent_events} events in {elapsed:.1f} s; waiting for the last deliveries")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = Delivery.objects.filter(journey_id=journey_id).values("status").annotate(n=Count("id"))
            statuses = {row["status"]: row["n"] for row in rows}
            if sum(statuses.values()) >= sent_events and set(statuses) <= {"sent"}:
                break
            time.sleep(0.5)
    finally:
        for process in loops:
            process.terminate()
        for process in loops:
            process.wait(timeout=30)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/times") as response:
        received = json.load(response)
    latencies = []
    missing = 0
    for delivery_id, created_at in Delivery.objects.filter(journey_id=journey_id).values_list("id", "created_at"):
        seen = received.get(idempotency_key(delivery_id))
        if seen is None:
            missing += 1
        else:
            latencies.append((seen - created_at.timestamp()) * 1000)
    log(f"queue latency over {len(latencies)} deliveries ({missing} not received); statuses {statuses}")
    return {
        "queue_rate": rate,
        "queue_senders": senders,
        "queue_deliveries": len(latencies),
        "queue_missing": missing,
        "queue_p50_ms": round(percentile(latencies, 0.5), 1),
        "queue_p99_ms": round(percentile(latencies, 0.99), 1),
        "queue_max_ms": round(max(latencies), 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="sending threads per worker")
    parser.add_argument("--batch", type=int, default=500, help="deliveries a worker claims at once")
    parser.add_argument("--rate", type=int, default=200, help="deliveries queued per second in the latency run")
    parser.add_argument("--latency-seconds", type=float, default=15, help="length of the latency run (0: skip it)")
    parser.add_argument(
        "--delivery-processes", type=int, default=2, help="`manage.py deliver` processes in the latency run (as serve)"
    )
    args = parser.parse_args()

    label = use_bench_database()
    setup_django()
    reset_bench_database(label)
    sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
    workers = []
    try:
        port = int(sink.stdout.readline())
        sink_url = f"http://127.0.0.1:{port}/hook"
        log(f"sink on {sink_url}; queueing {args.deliveries} webhook deliveries through the engine")
        started = time.monotonic()
        journey_id = queue_deliveries(args.deliveries, sink_url)
        from django.db.models import Count

        from journeys.models import Delivery

        queued = Delivery.objects.filter(journey_id=journey_id, status="queued").count()
        log(f"{queued} deliveries queued in {time.monotonic() - started:.1f} s; starting {args.workers} workers")
        env = {
            **os.environ,
            "DELIVERY_RATE_LIMITS": "",  # measure the pipeline, not the default 200/s webhook limit
            "WEBHOOK_ALLOWLIST": "127.0.0.1",
            "DELIVERY_SEND_THREADS": str(args.threads),
            "DELIVERY_BATCH_SIZE": str(args.batch),
            "DATABASE_POOL": "0",
        }
        started = time.monotonic()
        workers = [
            subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.wait(timeout=900)
        seconds = time.monotonic() - started
        rows = Delivery.objects.filter(journey_id=journey_id).values("status").annotate(n=Count("id"))
        statuses = {row["status"]: row["n"] for row in rows}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as response:
            stats = json.load(response)
        latency = {}
        if args.latency_seconds > 0:
            loop_env = {**env, "DELIVERY_BATCH_SIZE": os.environ.get("DELIVERY_BATCH_SIZE", "200")}
            loop_env.pop("DATABASE_POOL")
            latency = measure_queue_latency(
                sink_url, port, args.rate, args.latency_seconds, loop_env, args.delivery_processes
            )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        sink.kill()
    sent = statuses.get("sent", 0)
    lost = max(queued - stats["unique"], queued - sent)
    log(f"sent {sent} in {seconds:.2f} s by {args.workers} workers x {args.threads} threads; statuses {statuses}")
    log(f"sink: {stats['requests']} requests, {stats['unique']} distinct keys, {stats['duplicates']} repeated")
    print(
        json.dumps(
            {
                "deliveries": queued,
                "workers": args.workers,
                "threads": args.threads,
                "seconds": round(seconds, 2),
                "sent_per_s": round(sent / seconds, 1),
                "duplicates": stats["duplicates"],
                "lost": lost,
                **latency,
            }
        )
    )


if __name__ == "__main__":
    main()
