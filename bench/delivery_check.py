"""The engine's once-per-visit check when the delivery log holds a year of months.

    .venv/bin/python bench/delivery_check.py [--days 400] [--per-day 10000] [--runs 30]

Fills the delivery log with `--per-day` sent deliveries for each of the last `--days` days (one
partition a month, as retention keeps them), then times the engine's batch flush of 1,000 new
deliveries for enrollments that entered three days ago: the insert whose NOT EXISTS makes a
delivery once per (enrollment, node, visit). Each flush is rolled back, so every run sees the
same log. Prints one JSON line: `flush_ms_median` and `flush_ms_min` over the runs after five
warm-up runs, `months`, `deliveries`.
"""

import argparse
import json
import statistics
import time
from datetime import timedelta

from common import log, setup_django, use_bench_database

BATCH = 1000
WARM_UP = 5


def fill(days: int, per_day: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from journeys.retention.partitions import ensure_partitions
    from journeys.retention.tables import DELIVERIES

    now = timezone.now()
    ensure_partitions(DELIVERIES, now=now, first=now - timedelta(days=days))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE journeys_delivery")
        for day in range(days):
            cursor.execute(
                "INSERT INTO journeys_delivery (node_id, visit, channel, payload, status, attempts, error, created_at,"
                " customer_id, enrollment_id, journey_id, version_id)"
                " SELECT 'n' || (g %% 5), 1, 'email', '{}', 'sent', 1, '', %s, g, %s * %s + g, 1, 1"
                " FROM generate_series(1, %s) g",
                [now - timedelta(days=days - day), day, per_day, per_day],
            )
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'journeys_delivery'::regclass")
        months = cursor.fetchone()[0] - 1  # less the default partition
        cursor.execute("ANALYZE journeys_delivery")
    return months


def time_flushes(runs: int, first_enrollment: int) -> list[float]:
    from django.db import transaction
    from django.utils import timezone

    from journeys.engine.batch import BatchWriter

    times = []
    for run in range(runs):
        now = timezone.now()
        with transaction.atomic():
            writer = BatchWriter(now)
            for i in range(BATCH):
                writer.deliver(
                    enrollment_id=first_enrollment + run * BATCH + i,
                    journey_id=1,
                    version_id=1,
                    customer_id=i,
                    node_id="n1",
                    visit=1,
                    channel="email",
                    payload={},
                    entered_at=now - timedelta(days=3),
                )
            started = time.perf_counter()
            writer.flush()
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return times[WARM_UP:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    use_bench_database()
    setup_django()
    log(f"filling {args.days} days of {args.per_day:,} deliveries")
    months = fill(args.days, args.per_day)
    # Enrollment ids past every filled one: each flush inserts new rows, as a tick would.
    times = time_flushes(args.runs + WARM_UP, first_enrollment=(args.days + 1) * args.per_day)
    print(
        json.dumps(
            {
                "flush_ms_median": round(statistics.median(times) * 1000, 2),
                "flush_ms_min": round(min(times) * 1000, 2),
                "batch": BATCH,
                "months": months,
                "deliveries": args.days * args.per_day,
            }
        )
    )


if __name__ == "__main__":
    main()
