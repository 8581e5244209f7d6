"""Timers: how fast the engine fires waits that fall due together, beside a raw-SQL wake-up of the same rows.

    .venv/bin/python bench/waits.py [--customers 100000] [--workers 1]

100,000 customers are put in a wait (wait -> exit) whose due times are spread over one second
a little in the future; engine worker processes run their normal loop. `fired_per_s` is the
customers moved out of the wait over the time from the first due time to the commit of the
last tick. A customer's lateness is the time from its due time to the commit of the
transaction that moved it out of the wait (p50, p99, max).

Then the same rows are put back in the wait, due the same way, and one connection wakes them
with hand-written SQL in batches of ENGINE_BATCH_SIZE: claim with SKIP LOCKED, move each to
the next node and log the step, one transaction per batch. `raw_sql_fired_per_s` is measured
the same way. Prints one JSON line.
"""

import argparse
import contextlib
import json
import multiprocessing
import time
from datetime import datetime, timedelta

from common import analyze, graph_node, log, percentile, reset_bench_database, setup_django, use_bench_database

LEAD_SECONDS = 15  # time to start the workers before the first wait falls due
RAW_LEAD_SECONDS = 2  # the raw pass starts no process


def graph() -> dict:
    return {
        "nodes": [
            graph_node("enter", "api_trigger"),
            graph_node("wait", "wait", {"mode": "duration", "seconds": 60}),
            graph_node("done", "exit"),
        ],
        "edges": [
            {"id": "a", "source": "enter", "sourceHandle": "next", "target": "wait"},
            {"id": "b", "source": "wait", "sourceHandle": "next", "target": "done"},
        ],
    }


def prepare(customers: int):
    """Customers already waiting, due at random moments within one second; returns (journey id, first due)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from journeys import services

    journey = services.journey_create(name=f"bench waits {time.time():.0f}", graph=graph())
    services.journey_publish(journey=journey)
    journey.refresh_from_db()
    now = timezone.now()
    first_due = now + timedelta(seconds=LEAD_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH new AS (INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent,"
            " created_at, updated_at) SELECT %s || n, '', '', '', '{}', '{}', %s, %s FROM generate_series(1, %s) n"
            " RETURNING id)"
            " INSERT INTO journeys_enrollment (journey_id, version_id, customer_id, node_id, status, exclusive, due_at,"
            " due_port, waiting_for, event_port, wake_port, waiting_since, context, exit_reason, error, entered_at,"
            " updated_at) SELECT %s, %s, id, 'wait', 'active', true, %s + random() * interval '1 second', 'next', '',"
            " '', '', %s, '{}', '', '', %s, %s FROM new",
            [
                f"wait-{journey.pk}-",
                now,
                now,
                customers,
                journey.pk,
                journey.current_version_id,
                first_due,
                now,
                now,
                now,
            ],
        )
    return journey.pk, first_due


def put_back_in_wait(journey_id: int) -> datetime:
    """The same rows waiting again, due over one second a moment ahead; returns the first due time."""
    from django.db import connection, transaction
    from django.utils import timezone

    with connection.cursor() as cursor:  # outside a transaction: VACUUM cannot run in one
        # The engine's pass left a dead version of every row; clear them as autovacuum would, so
        # the raw pass does not pay for the engine's garbage.
        cursor.execute("VACUUM ANALYZE journeys_enrollment, journeys_step")
    now = timezone.now()
    first_due = now + timedelta(seconds=RAW_LEAD_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journeys_enrollment SET node_id = 'wait', status = 'active',"
            " due_at = %s + random() * interval '1 second', due_port = 'next', waiting_for = '', event_port = '',"
            " wake_port = '', waiting_since = %s, context = '{}', exit_reason = '', error = '', exited_at = NULL,"
            " updated_at = %s WHERE journey_id = %s",
            [first_due, now, now, journey_id],
        )
    analyze()  # the statistics taken above still say these rows have left: plan with the true ones
    return first_due


def raw_sql_wake(journey_id: int, first_due: datetime, customers: int) -> datetime:
    """Wake the waiting rows with hand-written SQL as they fall due; returns the time of the last commit."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from journeys.sql import bulk_cursor

    time.sleep(max(0.0, (first_due - timezone.now()).total_seconds()))
    fired, last_commit = 0, None
    while fired < customers:
        now = timezone.now()
        with transaction.atomic(), bulk_cursor() as cursor:
            cursor.execute(
                "WITH due AS (SELECT id, customer_id FROM journeys_enrollment WHERE status = 'active'"
                " AND due_at <= %s AND journey_id = %s ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED),"
                " moved AS (UPDATE journeys_enrollment e SET node_id = 'done', due_at = NULL, due_port = '',"
                " waiting_since = NULL, updated_at = %s FROM due WHERE e.id = due.id RETURNING e.id, e.customer_id)"
                " INSERT INTO journeys_step (enrollment_id, journey_id, customer_id, node_id, port, action, reason, at)"
                " SELECT id, %s, customer_id, 'wait', 'next', 'passed', 'waited 1 minute', %s FROM moved",
                [now, journey_id, settings.ENGINE_BATCH_SIZE, now, journey_id, now],
            )
            moved = cursor.rowcount
        if moved:
            fired += moved
            last_commit = timezone.now()
        else:
            time.sleep(0.001)  # the next rows are not due yet
    return last_commit


class _AllFired(BaseException):
    """Ends a worker's loop once no wait of the run is left (a BaseException: the loop keeps going on errors)."""


def worker(seconds: float, journey_id: int, first_due: str, results) -> None:
    """The normal engine loop, with each tick's commit time noted, until every wait has fired."""
    setup_django()
    from django.utils import timezone

    from journeys.engine import loop
    from journeys.engine import tick as tick_module
    from journeys.models import Enrollment

    commits = {}
    due_from = datetime.fromisoformat(first_due)

    def timed_tick(**kwargs):
        now = timezone.now()
        result = tick_module.tick(now=now, **kwargs)
        if result.claimed:
            commits[now.isoformat()] = timezone.now().isoformat()
        elif now > due_from and not Enrollment.objects.filter(journey_id=journey_id, node_id="wait").exists():
            raise _AllFired
        return result

    loop.tick = timed_tick
    with contextlib.suppress(_AllFired):
        loop.run_engine(seconds=seconds)
    results.put(commits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    database = use_bench_database()
    setup_django()
    from django.utils import timezone

    from journeys.models import Enrollment, Step

    reset_bench_database(database)
    journey_id, first_due = prepare(args.customers)
    analyze()
    due = dict(Enrollment.objects.filter(journey_id=journey_id).values_list("id", "due_at"))
    log(f"{args.customers} customers waiting, due from {first_due:%H:%M:%S.%f} over one second")
    run_for = (first_due - timezone.now()).total_seconds() + 300  # an upper bound: workers stop when done
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    processes = [
        spawn.Process(target=worker, args=(run_for, journey_id, first_due.isoformat(), results))
        for _ in range(args.workers)
    ]
    for process in processes:
        process.start()
    commits = {}
    for _ in processes:
        commits.update({datetime.fromisoformat(k): datetime.fromisoformat(v) for k, v in results.get().items()})
    for process in processes:
        process.join()

    left = Step.objects.filter(journey_id=journey_id, node_id="wait", action="passed").values_list(
        "enrollment_id", "at"
    )
    lateness_ms = [(commits[at] - due[enrollment_id]).total_seconds() * 1000 for enrollment_id, at in left]
    missing = args.customers - len(lateness_ms)
    last_commit = max(commits[at] for _, at in left)
    fired_per_s = len(lateness_ms) / (last_commit - first_due).total_seconds()
    log(f"  engine: {fired_per_s:,.0f} fired/s")

    log("the same rows waiting again; waking them with raw SQL on one connection")
    first_due = put_back_in_wait(journey_id)
    raw_last_commit = raw_sql_wake(journey_id, first_due, args.customers)
    raw_fired_per_s = args.customers / (raw_last_commit - first_due).total_seconds()
    log(f"  raw SQL: {raw_fired_per_s:,.0f} fired/s")
    figures = {
        "fired_per_s": round(fired_per_s),
        "raw_sql_fired_per_s": round(raw_fired_per_s),
        "share_of_raw": round(fired_per_s / raw_fired_per_s, 2),
        "p50_late_ms": round(percentile(lateness_ms, 0.50), 1),
        "p99_late_ms": round(percentile(lateness_ms, 0.99), 1),
        "max_late_ms": round(max(lateness_ms), 1),
        "early": sum(1 for value in lateness_ms if value < 0),
        "not_fired": missing,
    }
    log(f"  p50 {figures['p50_late_ms']} ms, p99 {figures['p99_late_ms']} ms, max {figures['max_late_ms']} ms")
    from journeys.models import Journey

    # Its rows now sit at the exit node; a stopped journey keeps later runs' workers off them.
    Journey.objects.filter(pk=journey_id).update(status="stopped")
    print(
        json.dumps(
            {"bench": "waits", "customers": args.customers, "workers": args.workers, "database": database, **figures}
        )
    )


if __name__ == "__main__":
    main()
