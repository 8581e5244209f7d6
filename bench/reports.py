"""Report page load time for a journey with 1,000,000 enrollments.

    .venv/bin/python bench/reports.py [--enrollments 1000000] [--days 30] [--requests 10] [--keep-data]

Writes a month of history for one journey straight into the tables with set-based SQL (generate_series):
customers, enrollments, split assignments, experiment exposures and goal conversions, deliveries, and the
hourly NodeStat counters the engine would have kept for them (entries, ports, exits by reason, wait times,
conversions). The step log is not generated: no report reads it. Then it times the journey report, the
experiment report, their CSV exports and JSON through Django's test client (the full view, template and
middleware stack, without a socket), after one warm-up request each. Prints one JSON line.
"""

import argparse
import json
import statistics
import time

from common import analyze, graph_node, log, percentile, setup_django, use_bench_database


def graph() -> dict:
    edges = [
        ("enter", "next", "split"),
        ("split", "A", "mail-a"),
        ("split", "B", "mail-b"),
        ("mail-a", "next", "wait"),
        ("mail-b", "next", "wait"),
        ("wait", "next", "done"),
    ]
    return {
        "nodes": [
            graph_node("enter", "api_trigger"),
            graph_node(
                "split",
                "split",
                {"variants": [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]},
            ),
            graph_node("mail-a", "send_email", {"subject": "Welcome", "body": "Hello"}),
            graph_node("mail-b", "send_email", {"subject": "Welcome!", "body": "Hello there"}),
            graph_node("wait", "wait", {"mode": "duration", "seconds": 86400}),
            graph_node("done", "exit"),
        ],
        "edges": [{"id": f"e{i}", "source": s, "sourceHandle": p, "target": t} for i, (s, p, t) in enumerate(edges)],
    }


def generate(journey, version_id: int, enrollments: int, days: int) -> None:
    """One row per enrollment in a scratch table, then every report table filled from it."""
    from django.db import connection, transaction

    from journeys.metrics import dwell_metric

    wait_bucket = dwell_metric(86400)
    j = journey.pk
    steps = [
        (
            "scratch",
            "CREATE TEMP TABLE bench_rows ON COMMIT DROP AS SELECT n,"
            " now() - make_interval(secs => %s * 86400 * random()) AS at,"
            " CASE WHEN n %% 2 = 0 THEN 'A' ELSE 'B' END AS variant, random() AS luck FROM generate_series(1, %s) n",
            [days, enrollments],
        ),
        (
            "customers",
            "INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent, created_at,"
            " updated_at) SELECT %s || n, '', '', '', '{}', '{}', at, at FROM bench_rows",
            [f"report-{j}-"],
        ),
        (
            "ids",
            "CREATE TEMP TABLE bench_ids ON COMMIT DROP AS SELECT r.*, c.id AS customer_id,"
            " (r.variant = 'A' AND r.luck < 0.10) OR (r.variant = 'B' AND r.luck < 0.11) AS converted"
            " FROM bench_rows r JOIN journeys_customer c ON c.external_id = %s || r.n",
            [f"report-{j}-"],
        ),
        (
            "enrollments",
            "INSERT INTO journeys_enrollment (journey_id, version_id, customer_id, node_id, status, exclusive,"
            " due_port, waiting_for, event_port, wake_port, context, exit_reason, error, entered_at, updated_at,"
            " exited_at, converted_at) SELECT %s, %s, customer_id, 'done', 'exited', true, '', '', '', '',"
            " jsonb_build_object('variants', jsonb_build_object('split', variant)), 'reached an exit', '', at,"
            " at + interval '1 day', at + interval '1 day', CASE WHEN converted THEN at + interval '3 hours' END"
            " FROM bench_ids",
            [j, version_id],
        ),
        (
            "split assignments",
            "INSERT INTO journeys_splitassignment (enrollment_id, journey_id, customer_id, node_id, visit, variant,"
            " assigned_at) SELECT e.id, %s, e.customer_id, 'split', 1, e.context->'variants'->>'split', e.entered_at"
            " FROM journeys_enrollment e WHERE e.journey_id = %s",
            [j, j],
        ),
        (
            "exposures",
            "INSERT INTO journeys_experimentexposure (journey_id, customer_id, node_id, variant, assigned_at)"
            " SELECT %s, customer_id, 'split', variant, at FROM bench_ids",
            [j],
        ),
        (
            "conversions",
            "INSERT INTO journeys_experimentconversion (exposure_id, journey_id, node_id, variant, metric,"
            " assigned_at, at) SELECT x.id, %s, 'split', x.variant, 'goal', x.assigned_at,"
            " x.assigned_at + interval '3 hours' FROM journeys_experimentexposure x JOIN bench_ids b"
            " ON b.customer_id = x.customer_id WHERE x.journey_id = %s AND x.node_id = 'split' AND b.converted",
            [j, j],
        ),
        (
            "deliveries",
            "INSERT INTO journeys_delivery (enrollment_id, journey_id, version_id, customer_id, node_id, visit,"
            " channel, payload, status, attempts, error, created_at, sent_at) SELECT e.id, %s, %s, e.customer_id,"
            " CASE WHEN e.context->'variants'->>'split' = 'A' THEN 'mail-a' ELSE 'mail-b' END, 1, 'email', '{}',"
            " CASE WHEN e.id %% 50 = 0 THEN 'failed' ELSE 'sent' END, 1, '', e.entered_at, e.entered_at"
            " FROM journeys_enrollment e WHERE e.journey_id = %s",
            [j, version_id, j],
        ),
        (
            "counters",
            # What the engine's BatchWriter would have added up, hour by hour, spread over its 8 shards.
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT %s, node_id, metric, hour, shard, count(*) FROM ("
            "  SELECT date_trunc('hour', at + m.offset_) AS hour, (n %% 8)::smallint AS shard, m.node_id, m.metric"
            "  FROM bench_ids CROSS JOIN LATERAL (VALUES"
            "   ('enter', 'entered', interval '0'), ('enter', 'passed:next', interval '0'),"
            "   ('split', 'entered', interval '0'), ('split', 'passed:' || variant, interval '0'),"
            "   (CASE WHEN variant = 'A' THEN 'mail-a' ELSE 'mail-b' END, 'entered', interval '0'),"
            "   (CASE WHEN variant = 'A' THEN 'mail-a' ELSE 'mail-b' END, 'passed:next', interval '0'),"
            "   ('wait', 'entered', interval '0'), ('wait', 'passed:next', interval '1 day'),"
            "   ('wait', %s, interval '1 day'), ('done', 'entered', interval '1 day'),"
            "   ('done', 'exited', interval '1 day'), ('done', 'exit:reached an exit', interval '1 day')"
            "  ) AS m(node_id, metric, offset_)"
            "  UNION ALL SELECT date_trunc('hour', at + interval '3 hours'), (n %% 8)::smallint, 'wait', 'converted'"
            "  FROM bench_ids WHERE converted"
            " ) AS flows GROUP BY node_id, metric, hour, shard",
            [j, wait_bucket],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for name, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount if cursor.rowcount >= 0 else "?"
            log(f"  {name}: {rows} rows in {time.perf_counter() - started:.1f} s")
        cursor.execute("UPDATE journeys_journey SET entered_count = %s WHERE id = %s", [enrollments, j])
    with connection.cursor() as cursor:
        # What autovacuum does to a table that has stopped growing: statistics, and the visibility map
        # that lets the covering indexes answer without visiting the table.
        cursor.execute(
            "VACUUM ANALYZE journeys_nodestat, journeys_experimentexposure, journeys_experimentconversion,"
            " journeys_delivery, journeys_splitassignment"
        )
    analyze()


def time_requests(client, url: str, requests: int) -> dict:
    response = client.get(url)  # warm-up: caches, first plans
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p90_ms": round(percentile(timings, 0.9) * 1000, 1),
        "max_ms": round(max(timings) * 1000, 1),
        "bytes": len(response.content),
    }


def cleanup(journey) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "journeys_experimentconversion",
            "journeys_experimentexposure",
            "journeys_splitassignment",
            "journeys_delivery",
            "journeys_nodestat",
            "journeys_step",
            "journeys_enrollment",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE journey_id = %s", [journey.pk])
        cursor.execute("DELETE FROM journeys_customer WHERE external_id LIKE %s", [f"report-{journey.pk}-%"])
    journey.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()

    label = use_bench_database()
    setup_django()
    from django.test import Client

    from journeys import services
    from journeys.roles import REVIEWERS

    journey = services.journey_create(name=f"bench reports {time.time():.0f}", graph=graph())
    services.journey_publish(journey=journey)
    journey.refresh_from_db()
    log(f"generating {args.enrollments:,} enrollments over {args.days} days ({label})")
    started = time.perf_counter()
    generate(journey, journey.current_version_id, args.enrollments, args.days)
    generated_s = time.perf_counter() - started

    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username="bench-reviewer")
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    client = Client(SERVER_NAME="localhost")  # a host DEBUG settings allow
    client.force_login(user)
    base = f"/reports/journeys/{journey.pk}/"
    pages = {
        "journey_report": base,
        "journey_report_30d_range": base + "?from=2000-01-01&to=2999-12-31",
        "journey_csv_funnel": base + "?format=csv&table=funnel",
        "journey_api": f"/api/journeys/{journey.pk}/report/",
        "experiment_report": base + "experiments/split/",
        "experiment_csv_variants": base + "experiments/split/?format=csv&table=variants",
        "experiment_api": f"/api/journeys/{journey.pk}/experiments/split/",
    }
    results = {}
    try:
        for name, url in pages.items():
            results[name] = time_requests(client, url, args.requests)
            figures = results[name]
            log(f"{name}: p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, max {figures['max_ms']} ms")
    finally:
        if not args.keep_data:
            log("deleting the generated rows")
            cleanup(journey)
    print(
        json.dumps(
            {
                "bench": "reports",
                "enrollments": args.enrollments,
                "days": args.days,
                "requests": args.requests,
                "generate_s": round(generated_s, 1),
                **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items() if k != "bytes"},
            }
        )
    )


if __name__ == "__main__":
    main()
