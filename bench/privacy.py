"""Privacy requests: how long deleting one customer takes, with their events, steps and deliveries.

    .venv/bin/python bench/privacy.py [--events 10000] [--others 5000] [--runs 5] [--large 100000]

In the benchmarks' own database (bench/common.py): `--others` customers with 20 events each
(so the tables are not empty), then per run one customer with `--events` events, an
enrollment with `--events` / 10 steps and `--events` / 100 deliveries, written with COPY-speed
set statements. Each run times `customer_erase` (the delete inside a delete request: one
transaction of set-based statements) and the whole request (suppression + delete + status).
Then one customer with `--large` events goes through a whole delete request, to show such a
request completes.

Prints progress on stderr and one JSON line: `delete_ms` (median over runs of the erase),
`delete_ms_max`, `request_ms` (median of the whole request), `target_ms` (500), `events`,
`large_events`, `large_request_s`.
"""

import argparse
import json
import statistics
import time

from common import log, reset_bench_database, setup_django, use_bench_database


def make_customer_with_history(external_id: str, events: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from journeys.models import Customer, Enrollment, Journey, JourneyVersion, Source

    source, _ = Source.objects.get_or_create(name="bench privacy")
    journey = Journey.objects.filter(name="bench privacy").first()
    if journey is None:
        journey = Journey.objects.create(name="bench privacy", graph={"nodes": [], "edges": []}, status="live")
        version = JourneyVersion.objects.create(journey=journey, number=1, graph={"nodes": [], "edges": []})
        journey.current_version = version
        journey.save()
    customer = Customer.objects.create(external_id=external_id, email=f"{external_id}@example.com")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_event (source_id, customer_id, type, name, properties, context, message_id,"
            " timestamp, received_at) SELECT %s, %s, 'track', 'Product Viewed', '{\"sku\": \"x\"}', '{}',"
            " %s || '-' || g, %s - g * interval '1 minute', %s FROM generate_series(1, %s) g",
            [source.pk, customer.pk, external_id, now, now, events],
        )
        enrollment_id = Enrollment.objects.create(
            journey=journey,
            version_id=journey.current_version_id,
            customer=customer,
            node_id="n",
            status="exited",
            entered_at=now,
            updated_at=now,
        ).pk
        cursor.execute(
            "INSERT INTO journeys_step (enrollment_id, journey_id, customer_id, node_id, port, action, reason, at)"
            " SELECT %s, %s, %s, 'n' || g, '', 'passed', 'bench step', %s FROM generate_series(1, %s) g",
            [enrollment_id, journey.pk, customer.pk, now, max(1, events // 10)],
        )
        cursor.execute(
            "INSERT INTO journeys_delivery (enrollment_id, journey_id, version_id, customer_id, node_id, visit,"
            " channel, payload, status, skip_reason, attempts, error, recipient, provider_message_id, created_at,"
            " not_before) SELECT %s, %s, %s, %s, 'm' || g, 1, 'email', '{}', 'sent', '', 1, '', %s, '', %s, %s"
            " FROM generate_series(1, %s) g",
            [enrollment_id, journey.pk, journey.current_version_id, customer.pk, customer.email, now, now,
             max(1, events // 100)],
        )  # fmt: skip
    return customer.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    label = use_bench_database()
    setup_django()
    reset_bench_database(label)
    from django.db import connection

    from journeys.privacy import services

    log(f"filling: {args.others} other customers with 20 events each")
    for n in range(0, args.others, 1000):
        for i in range(n, min(n + 1000, args.others)):
            make_customer_with_history(f"other-{i}", 20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    erase_ms, request_ms = [], []
    for run in range(args.runs):
        customer_id = make_customer_with_history(f"erase-{run}", args.events)
        started = time.perf_counter()
        counts = services.customer_erase(customer_id)
        erase_ms.append((time.perf_counter() - started) * 1000)
        assert counts["events"] == args.events, counts
        customer_id = make_customer_with_history(f"request-{run}", args.events)
        request = services.privacy_request_create(kind="delete", external_id=f"request-{run}")
        started = time.perf_counter()
        done = services.privacy_request_run(request.pk)
        request_ms.append((time.perf_counter() - started) * 1000)
        assert done.status == "done", done.error
        log(f"run {run + 1}: erase {erase_ms[-1]:.0f} ms, whole request {request_ms[-1]:.0f} ms")

    make_customer_with_history("large", args.large)
    request = services.privacy_request_create(kind="delete", external_id="large")
    started = time.perf_counter()
    done = services.privacy_request_run(request.pk)
    large_s = time.perf_counter() - started
    assert done.status == "done" and done.counts["events"] == args.large, done.counts
    log(f"{args.large} events: whole request {large_s:.2f} s")

    print(
        json.dumps(
            {
                "delete_ms": round(statistics.median(erase_ms), 1),
                "delete_ms_max": round(max(erase_ms), 1),
                "request_ms": round(statistics.median(request_ms), 1),
                "target_ms": 500,
                "events": args.events,
                "large_events": args.large,
                "large_request_s": round(large_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
