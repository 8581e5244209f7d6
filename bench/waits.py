"""Timer precision: how late timed waits fire when 100,000 of them fall due in the same second.

    .venv/bin/python bench/waits.py [--customers 100000] [--workers 1]

100,000 customers are put in a wait whose due times are spread over one second a little in
the future; engine worker processes run their normal loop. A customer's lateness is the time
from its due time to the commit of the transaction that moved it out of the wait. Prints one
JSON line with the p50, p99 and max lateness.
"""

import argparse
import json
import multiprocessing
import time
from datetime import timedelta

from common import analyze, graph_node, log, percentile, reset_bench_database, setup_django, use_bench_database

LEAD_SECONDS = 15  # time to start the workers before the first wait falls due


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


def worker(seconds: float, results) -> None:
    """The normal engine loop, with each tick's commit time noted."""
    setup_django()
    from django.utils import timezone

    from journeys.engine import loop
    from journeys.engine import tick as tick_module

    commits = {}

    def timed_tick(**kwargs):
        now = timezone.now()
        result = tick_module.tick(now=now, **kwargs)
        if result.claimed:
            commits[now.isoformat()] = timezone.now().isoformat()
        return result

    loop.tick = timed_tick
    loop.run_engine(seconds=seconds)
    results.put(commits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    database = use_bench_database()
    setup_django()
    from datetime import datetime

    from django.utils import timezone

    from journeys.models import Enrollment, Step

    reset_bench_database(database)
    journey_id, first_due = prepare(args.customers)
    analyze()
    due = dict(Enrollment.objects.filter(journey_id=journey_id).values_list("id", "due_at"))
    log(f"{args.customers} customers waiting, due from {first_due:%H:%M:%S.%f} over one second")
    run_for = (first_due - timezone.now()).total_seconds() + 30
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    processes = [spawn.Process(target=worker, args=(run_for, results)) for _ in range(args.workers)]
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
    figures = {
        "p50_late_ms": round(percentile(lateness_ms, 0.50), 1),
        "p99_late_ms": round(percentile(lateness_ms, 0.99), 1),
        "max_late_ms": round(max(lateness_ms), 1),
        "early": sum(1 for value in lateness_ms if value < 0),
        "not_fired": missing,
    }
    log(f"  p50 {figures['p50_late_ms']} ms, p99 {figures['p99_late_ms']} ms, max {figures['max_late_ms']} ms")
    print(
        json.dumps(
            {"bench": "waits", "customers": args.customers, "workers": args.workers, "database": database, **figures}
        )
    )


if __name__ == "__main__":
    main()
