"""Audience estimates on a large customer table: an exact count against the sampled estimate.

    .venv/bin/python bench/audience_estimate.py [--customers 1000000] [--events 1000000] [--repeats 3]

Fills the benchmarks' own database with customers (a plan trait, a visit count) and `Order
Completed` events on random customers over 60 days, with set-based SQL, then ANALYZEs as
autovacuum would. For three conditions (a trait, event history, both) it times the exact count
(the compiled condition over every customer, no timeout) and `journeys.estimates.audience_estimate`
as `POST /api/audience-estimate/` runs it (a sample above 200,000 customers), and reports the
median times and how far the estimate was from the exact count. Prints one JSON line.
"""

import argparse
import json
import statistics
import time

from common import analyze, log, reset_bench_database, setup_django, use_bench_database

CONDITIONS = {
    "trait": {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"},
    "events": {"type": "event", "event": "Order Completed", "min_count": 2, "within_days": 30},
    "both": {
        "all": [
            {"type": "attribute", "attribute": "visits", "op": "gte", "value": 50},
            {"type": "event", "event": "Order Completed", "min_count": 1, "within_days": 30},
        ]
    },
}


def generate(customers: int, events: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_source (name, write_key_hash, write_key_prefix, is_active, created_at)"
            " VALUES ('bench-estimate', md5(random()::text), 'bench', true, now())"
            " ON CONFLICT (name) DO NOTHING"
        )
        cursor.execute("SELECT id FROM journeys_source WHERE name = 'bench-estimate'")
        (source_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO journeys_customer"
            " (external_id, email, phone, timezone, attributes, consent, created_at, updated_at)"
            " SELECT 'bench-' || n, '', '', '',"
            " jsonb_build_object('plan', (ARRAY['free', 'pro', 'trial'])[1 + n %% 3], 'visits', n %% 100),"
            " '{}', now(), now() FROM generate_series(1, %s) n",
            [customers],
        )
        cursor.execute("SELECT min(id), max(id) FROM journeys_customer")
        low, high = cursor.fetchone()
        cursor.execute(
            "INSERT INTO journeys_event"
            " (source_id, customer_id, type, name, properties, context, message_id, timestamp, received_at)"
            " SELECT %s, %s + floor(random() * (%s - %s + 1))::bigint, 'track', 'Order Completed', '{}', '{}',"
            " 'bench-' || n, now() - make_interval(secs => 60 * 86400 * random()), now()"
            " FROM generate_series(1, %s) n",
            [source_id, low, high, low, events],
        )


def timed(work, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()

    label = use_bench_database()
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from journeys.conditions import clean_condition, condition_sql
    from journeys.estimates import audience_estimate

    reset_bench_database(label)
    log(f"writing {args.customers:,} customers and {args.events:,} events")
    started = time.perf_counter()
    generate(args.customers, args.events)
    analyze()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_event")
    log(f"written in {time.perf_counter() - started:.1f} s")

    figures = {}
    for name, raw in CONDITIONS.items():
        condition, errors = clean_condition(raw)
        assert not errors, errors
        now = timezone.now()
        where, params = condition_sql(condition, now)

        def exact(where=where, params=params):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM journeys_customer c WHERE {where}", params)
                return cursor.fetchone()[0]

        exact_ms, exact_count = timed(exact, args.repeats)
        estimate_ms, estimate = timed(
            lambda condition=condition, now=now: audience_estimate(condition, now=now), args.repeats
        )
        error = abs(estimate.count - exact_count) / exact_count * 100 if exact_count else 0.0
        figures[name] = {
            "exact_count": exact_count,
            "exact_ms": round(exact_ms, 1),
            "estimate": estimate.count,
            "estimate_is_exact": estimate.exact,
            "sampled": estimate.sampled,
            "estimate_ms": round(estimate_ms, 1),
            "error_pct": round(error, 2),
        }
        log(f"{name}: {figures[name]}")

    if not args.keep_data:
        reset_bench_database(label)
    print(
        json.dumps(
            {"bench": "audience_estimate", "customers": args.customers, "events": args.events, "conditions": figures}
        )
    )


if __name__ == "__main__":
    main()
