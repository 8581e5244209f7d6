"""Webhook delivery throughput, with exactly-once accounting.

    .venv/bin/python bench/delivery.py [--deliveries 20000] [--workers 2] [--threads 8]

Queues `--deliveries` webhook deliveries through a live journey (events ingested, the engine
run until every customer reached the webhook node), then starts `--workers` delivery worker
processes against a local HTTP sink running in its own process on loopback. The sink counts
requests per Idempotency-Key. Prints progress on stderr and one JSON line: `sent_per_s`
(deliveries marked sent per second of sending), `duplicates` (keys the sink received more
than once), `lost` (deliveries the sink never received, or rows not marked sent).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from common import ROOT, graph_node, log, reset_bench_database, setup_django, use_bench_database

SINK = r"""
import json, sys, threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

keys = Counter()
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            keys[self.headers.get("Idempotency-Key")] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        with lock:
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


def queue_deliveries(count: int, sink_url: str) -> int:
    from django.utils import timezone

    from journeys import services
    from journeys.engine.events import process_events
    from journeys.engine.tick import tick
    from journeys.ingest.messages import parse_messages
    from journeys.ingest.services import events_ingest
    from journeys.models import Source

    event = f"Delivery Bench {uuid.uuid4().hex[:8]}"
    graph = {
        "nodes": [
            graph_node("trigger", "event_trigger", {"event": event}),
            graph_node("hook", "send_webhook", {"url": sink_url, "body": {"user": "{{ customer.id }}"}}),
        ],
        "edges": [{"id": "a", "source": "trigger", "sourceHandle": "next", "target": "hook"}],
    }
    journey = services.journey_create(name=f"bench delivery {time.time():.0f}", graph=graph)
    services.journey_publish(journey=journey)
    source = Source(name=f"bench delivery {uuid.uuid4().hex[:8]}")
    source.set_new_write_key()
    source.save()
    run_id = uuid.uuid4().hex[:8]
    for start in range(0, count, 500):
        now = timezone.now()
        users = range(start, min(count, start + 500))
        raw = [{"type": "track", "userId": f"dbench-{run_id}-{n}", "event": event} for n in users]
        messages, _ = parse_messages(raw, received_at=now, max_message_bytes=32 * 1024)
        events_ingest(source_id=source.id, messages=messages, received_at=now)
        while process_events() + tick().claimed:
            pass
    return journey.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="sending threads per worker")
    parser.add_argument("--batch", type=int, default=500, help="deliveries a worker claims at once")
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
            }
        )
    )


if __name__ == "__main__":
    main()
