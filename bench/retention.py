"""Retention: dropping the oldest month of a large event log, and what ingestion feels meanwhile.

    .venv/bin/python bench/retention.py [--events 20000000] [--days 400] [--customers 200000]
                                        [--threads 2] [--before-seconds 20] [--drops 3]
                                        [--skip-load] [--control] [--calls-file F]

In the benchmarks' own database (bench/common.py), the event log is filled with `--events`
events spread evenly over the last `--days` days (by time of receipt, the partition key),
written server-side a day at a time, for `--customers` customers. Then:

1. Ingestion runs for `--before-seconds` in `--threads` threads, each calling the product's
   `events_ingest` with batches of 10 track events for known customers as fast as it can;
   every call's latency is kept.
2. With ingestion still running, the oldest month partition, about 30 days of the oldest data,
   is dropped the way the daily maintenance drops it (`drop_partition`: detach, drop). The
   "during" window runs from the drop's start for twice its time, at least 3 s, so calls
   caught behind the drop's lock are counted, as are calls that started before it and ended
   in it.
3. Steps 1 and 2 again for the next `--drops` - 1 oldest months.

`--control` drops nothing and pauses instead, measuring the same windows: the ratio the
machine's own noise gives, to read the others against. `--calls-file` keeps every call's
timing for a closer look at where the slow ones fall.

Prints progress on stderr and one JSON line: `drop_s` (the slowest drop; target < 1),
`drop_s_median`, `ingest_p99_before_ms` and `ingest_p99_during_ms` over every window of that
kind, `ingest_p99_ratio` (during over before, target <= 1.2), the calls in each, `drops` (each
drop's partition, rows, time and its own windows' p99s), `events`, `months`, `load_s`.
"""

import argparse
import json
import statistics
import threading
import time
import uuid
from datetime import timedelta

from common import log, percentile, setup_django, use_bench_database

BATCH = 10


def load_events(events: int, days: int, customers: int) -> tuple[int, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from journeys.models import Source
    from journeys.retention.partitions import ensure_partitions
    from journeys.retention.tables import EVENTS

    now = timezone.now()
    started = time.perf_counter()
    source, _ = Source.objects.get_or_create(name="bench retention")
    ensure_partitions(EVENTS, now=now, first=now - timedelta(days=days))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE journeys_event, journeys_eventreceipt, journeys_engineinbox")
        cursor.execute("DELETE FROM journeys_customer WHERE external_id LIKE 'ret-%%'")
        cursor.execute(
            "INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent, created_at,"
            " updated_at) SELECT 'ret-' || g, '', '', '', '{}', '{}', %s, %s FROM generate_series(1, %s) g",
            [now, now, customers],
        )
        cursor.execute("SELECT min(id), max(id) FROM journeys_customer WHERE external_id LIKE 'ret-%%'")
        low, high = cursor.fetchone()
    per_day = events // days
    for day in range(days):
        day_start = now - timedelta(days=days - day)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO journeys_event (source_id, customer_id, type, name, properties, context, message_id,"
                " timestamp, received_at)"
                " SELECT %s, %s + (g * 7919) %% %s, 'track', (ARRAY['Product Viewed', 'Added to Cart',"
                " 'Order Completed'])[1 + g %% 3], jsonb_build_object('sku', g %% 1000), '{}', %s || g,"
                " t, t FROM generate_series(1, %s) g,"
                " LATERAL (SELECT %s::timestamptz + g * (interval '86399 seconds' / %s)) AS at(t)",
                [source.pk, low, high - low + 1, f"d{day}-", per_day, day_start, per_day],
            )
        if day % 20 == 0:
            elapsed = time.perf_counter() - started
            log(f"  day {day + 1}/{days} loaded ({(day + 1) * per_day:,} events, {elapsed:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_event, journeys_customer")
    return per_day * days, time.perf_counter() - started


class Ingestor(threading.Thread):
    """Calls events_ingest back to back; records (start, seconds) per call."""

    def __init__(self, source_id: int, customers: int, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.source_id, self.customers, self.stop, self.seed = source_id, customers, stop, seed
        self.calls: list[tuple[float, float]] = []

    def run(self):
        from django.db import connection
        from django.utils import timezone

        from journeys.ingest.messages import IncomingMessage
        from journeys.ingest.services import events_ingest

        number = self.seed
        try:
            while not self.stop.is_set():
                now = timezone.now()
                messages = []
                for index in range(BATCH):
                    number += 7
                    messages.append(
                        IncomingMessage(
                            index=index,
                            type="track",
                            message_id=str(uuid.uuid4()),
                            timestamp=now,
                            user_id=f"ret-{1 + number % self.customers}",
                            anonymous_id=None,
                            name="Product Viewed",
                            properties={"sku": number % 1000},
                        )
                    )
                start = time.perf_counter()
                events_ingest(source_id=self.source_id, messages=messages, received_at=now)
                self.calls.append((start, time.perf_counter() - start))
        finally:
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--before-seconds", type=float, default=20.0)
    parser.add_argument("--drops", type=int, default=3, help="months dropped, oldest first, each measured")
    parser.add_argument("--skip-load", action="store_true", help="reuse the events of the previous run")
    parser.add_argument(
        "--control",
        action="store_true",
        help="drop nothing: the same windows around a pause, to show the ratio the machine's own noise gives",
    )
    parser.add_argument("--calls-file", help="write every call's start (s from the first) and latency here, as JSON")
    args = parser.parse_args()

    use_bench_database()
    setup_django()
    from django.db import connection

    from journeys.models import Source
    from journeys.retention.partitions import drop_partition, partitions
    from journeys.retention.tables import EVENTS

    if args.skip_load:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM journeys_event")
            events, load_s = cursor.fetchone()[0], 0.0
    else:
        log(f"loading {args.events:,} events over {args.days} days for {args.customers:,} customers")
        events, load_s = load_events(args.events, args.days, args.customers)
    with connection.cursor() as cursor:
        months = [p for p in partitions(cursor, EVENTS) if p.is_month]
        doomed = [p for p in months if _has_rows(cursor, p.name)][: args.drops]
        rows = {}
        for partition in doomed:
            cursor.execute(f"SELECT count(*) FROM {partition.name}")
            rows[partition.name] = cursor.fetchone()[0]
    source_id = Source.objects.get(name="bench retention").pk
    log(f"{events:,} events in {len(months)} months; dropping the oldest {len(doomed)}: {rows}")

    stop = threading.Event()
    threads = [Ingestor(source_id, args.customers, stop, seed) for seed in range(args.threads)]
    for thread in threads:
        thread.start()
    time.sleep(2)  # connections made, caches warm: not counted
    windows = []
    for partition in doomed:
        before_start = time.perf_counter()
        time.sleep(args.before_seconds)
        drop_start = time.perf_counter()
        if args.control:
            time.sleep(0.15)
        else:
            log(f"dropping {partition.name} while ingesting")
            assert drop_partition(EVENTS, partition), "the drop was refused"
        drop_s = time.perf_counter() - drop_start
        during_end = drop_start + max(3.0, drop_s * 2)
        windows.append((partition.name, before_start, drop_start, drop_s, during_end))
        time.sleep(max(0.0, during_end - time.perf_counter()) + 0.5)
    stop.set()
    for thread in threads:
        thread.join()

    calls = [call for thread in threads for call in thread.calls]
    if args.calls_file:
        origin = min(start for start, _ in calls)
        with open(args.calls_file, "w") as out:
            json.dump(
                {
                    "calls": sorted((round(start - origin, 4), round(seconds, 5)) for start, seconds in calls),
                    "drops": [(name, round(d - origin, 4), round(s, 4)) for name, _, d, s, _ in windows],
                },
                out,
            )
    all_before, all_during, drops = [], [], []
    for name, before_start, drop_start, drop_s, during_end in windows:
        before = [seconds for start, seconds in calls if before_start <= start < drop_start]
        # A call that started before the drop and ended during it felt the drop too.
        during = [seconds for start, seconds in calls if drop_start <= start + seconds and start < during_end]
        all_before += before
        all_during += during
        p99_before, p99_during = percentile(before, 0.99) * 1000, percentile(during, 0.99) * 1000
        drops.append(
            {
                "partition": name,
                "rows": rows[name],
                "drop_s": round(drop_s, 3),
                "p99_before_ms": round(p99_before, 2),
                "p99_during_ms": round(p99_during, 2),
                "ratio": round(p99_during / p99_before, 3),
            }
        )
        log(f"{name}: drop {drop_s:.3f} s; ingest p99 {p99_before:.1f} ms before, {p99_during:.1f} ms during")
    # The ratio pools every drop's windows: one 3-second window holds a few hundred calls, whose
    # p99 is a handful of them, too few to tell a drop from the machine's own noise.
    p99_before, p99_during = percentile(all_before, 0.99) * 1000, percentile(all_during, 0.99) * 1000
    result = {
        "drop_s": max(drop["drop_s"] for drop in drops),
        "drop_s_median": statistics.median(drop["drop_s"] for drop in drops),
        "ingest_p99_before_ms": round(p99_before, 2),
        "ingest_p99_during_ms": round(p99_during, 2),
        "ingest_p99_ratio": round(p99_during / p99_before, 3),
        "calls_before": len(all_before),
        "calls_during": len(all_during),
        "drops": drops,
        "batch": BATCH,
        "threads": args.threads,
        "events": events,
        "months": len(months),
        "load_s": round(load_s, 1),
        "control": args.control,
    }
    print(json.dumps(result))


def _has_rows(cursor, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
