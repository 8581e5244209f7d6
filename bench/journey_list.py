"""The journeys list under load: thousands of journeys, a long counter history, a million enrollments.

    .venv/bin/python bench/journey_list.py [--journeys 5000] [--days 90] [--enrollments 1000000]

Fills the benchmark database set-based: `--journeys` journeys; for the 25 edited last (the first
page) per-node counters for every hour of `--days` days (12 nodes, 5 metrics, 2 shards: what a
busy journey's engine writes); `--enrollments` enrollments with their customers spread over
those 25. Then times the list page and the list API in-process (Django's test client, no
network), each request 20 times: first page, a deep page, a name search and a status filter;
then runs the hourly refresh of the counter totals (`NodeStatTotal`) and times them again.
Prints one JSON line with the median and p95 of each, in milliseconds.
"""

import argparse
import json
import time

from common import analyze, log, percentile, reset_bench_database, setup_django, use_bench_database

NODES = 12
METRICS = ("entered", "passed:next", "exited", "converted", "errored")
SHARDS = 2
REPEATS = 20
PAGE = 25


def fill(journeys: int, days: int, enrollments: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from journeys import services

    started = time.monotonic()
    now = timezone.now()
    template = services.journey_create(
        name="bench list template",
        graph={"nodes": [], "edges": []},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_journey (name, description, graph, settings, status, entered_count,"
            " created_at, updated_at)"
            " SELECT 'Bench journey ' || lpad(i::text, 6, '0'), '', '{\"nodes\": [], \"edges\": []}', '{}',"
            " (ARRAY['draft', 'live', 'paused', 'closed', 'stopped'])[1 + i %% 5], %s,"
            " %s - make_interval(mins => i), %s - make_interval(mins => i)"
            " FROM generate_series(1, %s) i",
            [enrollments // PAGE, now, now, journeys],
        )
        cursor.execute(
            "SELECT id FROM journeys_journey WHERE name LIKE 'Bench journey %%' ORDER BY updated_at DESC LIMIT %s",
            [PAGE],
        )
        busy = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT j, 'n' || n, m, date_trunc('hour', %s::timestamptz) - make_interval(hours => h), s, 3"
            " FROM unnest(%s::bigint[]) j, generate_series(1, %s) n, unnest(%s::text[]) m,"
            " generate_series(0, %s) h, generate_series(0, %s) s",
            [now, busy, NODES, list(METRICS), days * 24 - 1, SHARDS - 1],
        )
        log(f"  {cursor.rowcount:,} counter rows")
        if enrollments:
            cursor.execute(
                "INSERT INTO journeys_journeyversion (journey_id, number, graph, settings, published_at)"
                " SELECT unnest(%s::bigint[]), 1, '{\"nodes\": [], \"edges\": []}', '{}', %s",
                [busy, now],
            )
            cursor.execute(
                "INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent,"
                " created_at, updated_at)"
                " SELECT 'bench-list-' || i, '', '', '', '{}', '{}', %s, %s FROM generate_series(1, %s) i",
                [now, now, enrollments],
            )
            cursor.execute(
                "INSERT INTO journeys_enrollment (journey_id, version_id, customer_id, node_id, status, exclusive,"
                " due_port, waiting_for, event_port, wake_port, context, exit_reason, error, entered_at, updated_at)"
                " SELECT v.journey_id, v.id, c.id, 'n1', CASE WHEN c.id %% 3 = 0 THEN 'exited' ELSE 'active' END,"
                " true, '', '', '', '', '{}', '', '', %s, %s"
                " FROM journeys_customer c"
                " JOIN journeys_journeyversion v ON v.journey_id = (%s::bigint[])[1 + c.id %% %s]"
                " WHERE c.external_id LIKE 'bench-list-%%'",
                [now, now, busy, PAGE],
            )
            log(f"  {cursor.rowcount:,} enrollments")
    template.delete()
    analyze()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_journey, journeys_nodestat")
    log(f"filled in {time.monotonic() - started:.0f} s")


def time_requests(client, path: str) -> dict:
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return {"p50_ms": round(percentile(timings, 0.5), 1), "p95_ms": round(percentile(timings, 0.95), 1)}


def measure(client, paths: dict) -> dict:
    figures = {}
    for name, path in paths.items():
        figures[name] = time_requests(client, path)
        log(f"  {name:12} p50 {figures[name]['p50_ms']:7.1f} ms  p95 {figures[name]['p95_ms']:7.1f} ms  {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=5000)
    parser.add_argument("--days", type=int, default=90, help="hours of counters on each first-page journey")
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    args = parser.parse_args()
    database = use_bench_database()
    setup_django()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client

    from journeys import services
    from journeys.roles import REVIEWERS

    reset_bench_database(database)
    log(f"filling: {args.journeys:,} journeys, {args.days} days of counters, {args.enrollments:,} enrollments")
    fill(args.journeys, args.days, args.enrollments)

    user, _ = User.objects.get_or_create(username="bench-list-reviewer")
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    last_page = -(-args.journeys // PAGE)
    paths = {
        "page_first": "/journeys/",
        "page_deep": f"/journeys/?page={last_page // 2}",
        "page_search": "/journeys/?q=journey 0012",
        "page_status": "/journeys/?status=live",
        "api_first": f"/api/journeys/?limit={PAGE}",
        "api_search": f"/api/journeys/?limit={PAGE}&search=journey 0012",
    }
    client.get("/journeys/")  # warm: session, templates, connection
    before = measure(client, paths)
    log("refreshing the counter totals")
    began = time.monotonic()
    refreshed = services.node_stat_totals_refresh()
    refresh = {"journeys_with_totals": refreshed, "seconds": round(time.monotonic() - began, 1)}
    log(f"  {refreshed:,} journeys with totals in {refresh['seconds']} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_nodestattotal")
    after = measure(client, paths)
    print(
        json.dumps(
            {
                "bench": "journey_list",
                "journeys": args.journeys,
                "days": args.days,
                "enrollments": args.enrollments,
                "database": database,
                "before_totals": before,
                "totals_refresh": refresh,
                "after_totals": after,
            }
        )
    )


if __name__ == "__main__":
    main()
