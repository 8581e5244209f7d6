"""Engine throughput: customer-steps per second with 1 and 2 worker processes, beside raw SQL.

    .venv/bin/python bench/engine.py [--customers 200000]

N customers are enrolled at the API trigger of a journey of flow and attribute nodes
(update attribute -> condition -> update attribute -> split -> exit: five steps each) and
the engine runs them to completion, first in one worker process, then in two. The same
state transitions are then done by hand-written set-based SQL on the same database, as the
ceiling the engine is compared with. Prints one JSON line at the end.
"""

import argparse
import json
import multiprocessing
import resource
import time

from common import analyze, graph_node, log, reset_bench_database, setup_django, use_bench_database

STEPS_PER_CUSTOMER = 5


def journey_graph() -> dict:
    def edge(source, port, target):
        return {"id": f"{source}-{port}", "source": source, "sourceHandle": port, "target": target}

    condition = {"type": "attribute", "attribute": "score", "op": "gte", "value": 1}
    return {
        "nodes": [
            graph_node("enter", "api_trigger"),
            graph_node(
                "score", "update_attribute", {"changes": [{"attribute": "score", "operation": "increment", "value": 1}]}
            ),
            graph_node("check", "condition", {"branches": [{"key": "scored", "condition": condition}]}),
            graph_node(
                "tier", "update_attribute", {"changes": [{"attribute": "tier", "operation": "set", "value": "silver"}]}
            ),
            graph_node("split", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}),
            graph_node("done", "exit"),
        ],
        "edges": [
            edge("enter", "next", "score"),
            edge("score", "next", "check"),
            edge("check", "scored", "tier"),
            edge("check", "else", "done"),
            edge("tier", "next", "split"),
            edge("split", "A", "done"),
            edge("split", "B", "done"),
        ],
    }


def prepare(customers: int, label: str) -> int:
    """A live journey with `customers` fresh customers enrolled and due now; returns its id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from journeys import services

    journey = services.journey_create(name=f"bench {label} {time.time():.0f}", graph=journey_graph())
    services.journey_publish(journey=journey)
    journey.refresh_from_db()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH new AS (INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent,"
            " created_at, updated_at) SELECT %s || n, '', '', '', '{}', '{}', %s, %s FROM generate_series(1, %s) n"
            " RETURNING id)"
            " INSERT INTO journeys_enrollment (journey_id, version_id, customer_id, node_id, status, exclusive, due_at,"
            " due_port, waiting_for, event_port, wake_port, context, exit_reason, error, entered_at, updated_at)"
            " SELECT %s, %s, id, 'enter', 'active', true, %s, 'next', '', '', '', '{\"visits\": {\"enter\": 1}}',"
            " '', '', %s, %s FROM new",
            [
                f"bench-{label}-{journey.pk}-",
                now,
                now,
                customers,
                journey.pk,
                journey.current_version_id,
                now,
                now,
                now,
            ],
        )
    return journey.pk


def worker(seconds: float, ready, go, results) -> None:
    setup_django()
    from journeys.engine.loop import run_engine

    # Interpreter start and Django set-up (2-3 s on a loaded machine) are not engine work: the
    # clock starts once every worker is ready, as the raw SQL run starts on an open connection.
    ready.put(True)
    go.wait()
    stats = run_engine(seconds=seconds, idle_exit=True)
    results.put({"enrollments": stats.enrollments, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def run_workers(count: int, journey_id: int, customers: int) -> tuple[float, float]:
    """Run `count` engine processes until the journey is done; (steps per second, peak RSS MB)."""
    from journeys.models import Enrollment

    # Spawned, not forked: a forked child would share the parent's database connections.
    spawn = multiprocessing.get_context("spawn")
    ready, go, results = spawn.Queue(), spawn.Event(), spawn.Queue()
    processes = [spawn.Process(target=worker, args=(3600, ready, go, results)) for _ in range(count)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    reports = [results.get() for _ in processes]
    remaining = Enrollment.objects.filter(journey_id=journey_id, status="active").count()
    if remaining:
        raise SystemExit(f"{remaining} enrollments were left active")
    return customers * STEPS_PER_CUSTOMER / elapsed, max(r["rss_mb"] for r in reports)


def raw_sql_rate(journey_id: int, customers: int, batch: int = 1000) -> float:
    """The same transitions with hand-written SQL: claim a batch, write attributes, steps, counters, state."""
    from django.db import transaction
    from django.utils import timezone

    from journeys.sql import bulk_cursor

    started = time.perf_counter()
    while True:
        now = timezone.now()
        with transaction.atomic(), bulk_cursor() as cursor:
            cursor.execute(
                "SELECT id, customer_id FROM journeys_enrollment WHERE status = 'active' AND due_at <= %s"
                " AND journey_id = %s ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED",
                [now, journey_id, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            customer_ids = [r[1] for r in rows]
            cursor.execute(
                "UPDATE journeys_customer SET attributes = attributes || jsonb_build_object('score',"
                " COALESCE((attributes->>'score')::numeric, 0) + 1, 'tier', 'silver'), updated_at = %s"
                " WHERE id = ANY(%b)",
                [now, customer_ids],
            )
            cursor.execute(
                "INSERT INTO journeys_step (enrollment_id, journey_id, customer_id, node_id, port, action, reason, at)"
                " SELECT e, %s, c, n, 'next', 'passed', 'raw', %s FROM unnest(%b::bigint[], %b::bigint[]) AS t(e, c)"
                " CROSS JOIN unnest(ARRAY['enter', 'score', 'check', 'tier', 'split']) AS n",
                [journey_id, now, ids, customer_ids],
            )
            cursor.execute(
                "UPDATE journeys_enrollment SET status = 'exited', node_id = 'done', exit_reason = 'raw',"
                " exited_at = %s, updated_at = %s, due_at = NULL,"
                " context = jsonb_set(context, '{variants}', jsonb_build_object('split', 'A'))"
                " WHERE id = ANY(%b)",
                [now, now, ids],
            )
            cursor.execute(
                "INSERT INTO journeys_nodestat AS s (journey_id, node_id, metric, hour, shard, value)"
                " SELECT %s, n, 'entered', date_trunc('hour', %s::timestamptz), 7, %s"
                " FROM unnest(ARRAY['score', 'check', 'tier', 'split', 'done']) AS n"
                " ON CONFLICT (journey_id, node_id, metric, hour, shard)"
                " DO UPDATE SET value = s.value + EXCLUDED.value",
                [journey_id, now, len(ids)],
            )
    return customers * STEPS_PER_CUSTOMER / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    database = use_bench_database()
    setup_django()

    # Journeys left live by an interrupted run would compete for the workers' attention.
    reset_bench_database(database)
    figures = {}
    for workers in (1, 2):
        journey_id = prepare(args.customers, f"{workers}w")
        analyze()
        log(f"{args.customers} customers enrolled; running {workers} worker process(es)...")
        rate, rss = run_workers(workers, journey_id, args.customers)
        figures[f"steps_per_s_{workers}w"] = round(rate)
        figures["peak_rss_mb"] = round(max(rss, figures.get("peak_rss_mb", 0)), 1)
        log(f"  {rate:,.0f} customer-steps/s, peak worker RSS {rss:.0f} MB")
    journey_id = prepare(args.customers, "raw")
    analyze()
    log("running the same transitions as raw SQL...")
    figures["raw_sql_steps_per_s"] = round(raw_sql_rate(journey_id, args.customers))
    log(f"  {figures['raw_sql_steps_per_s']:,} steps/s")
    figures["engine_share_of_raw_1w"] = round(figures["steps_per_s_1w"] / figures["raw_sql_steps_per_s"], 2)
    print(json.dumps({"bench": "engine", "customers": args.customers, "database": database, **figures}))


if __name__ == "__main__":
    main()
