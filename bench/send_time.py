"""Send-time optimisation: how much of the open rate a perfect choice gains does best_time get?

    .venv/bin/python bench/send_time.py [--customers 5000] [--seed 1]

Customers with planted preferred hours (bench/synthetic/hours.py) get their past engagement as
`Session Started` events; `send_time_refresh` (the daily job) learns the profiles and the
population prior from the database. Each customer then reaches a wait at a random moment of the
coming week, and three choices of when to send within the next 24 hours are scored by the planted
open probability of the hour they land in:

- fixed: 10:00 local (the wait's fallback, what a marketer would set by hand);
- best_time: the wait node's own decision, run with the engine's profile reader;
- optimum: the hour with the highest planted probability in the same 24 hours.

`uplift_share` = (best_time - fixed) / (optimum - fixed), in expected open rate. Prints one JSON line.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import log, reset_bench_database, setup_django, use_bench_database

from bench.synthetic.hours import HOURS_IN_WEEK, make_customers

WINDOW_HOURS = 24


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    database = use_bench_database()
    setup_django()
    reset_bench_database(database)
    from journeys import nodes
    from journeys.engine.send_time import SendTimeReader
    from journeys.models import Customer, Event, Source
    from journeys.nodes.base import CustomerView, NodeContext
    from journeys.send_time.profile import hour_of_week
    from journeys.send_time.services import send_time_refresh

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    planted = make_customers(args.customers, now=now, seed=args.seed)
    started = time.perf_counter()
    source = Source.objects.filter(name="bench send time").first()
    if source is None:
        source = Source(name="bench send time")
        source.set_write_key(f"bench-send-time-{args.seed}")
        source.save()
    customers = Customer.objects.bulk_create(
        Customer(external_id=person.external_id, timezone=person.timezone) for person in planted
    )
    events = [
        Event(
            source=source,
            customer=customer,
            type="track",
            name="Session Started",
            message_id=f"{customer.external_id}-{index}",
            timestamp=moment,
            received_at=moment,
        )
        for customer, person in zip(customers, planted, strict=True)
        for index, moment in enumerate(person.history)
    ]
    Event.objects.bulk_create(events, batch_size=5000)
    log(f"seeded {len(customers)} customers, {len(events)} engagements in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    profiled = send_time_refresh(now=now)
    refresh_seconds = time.perf_counter() - started

    nodes.autodiscover()
    wait = nodes.get("wait")
    config, errors = wait.clean_config({"mode": "best_time", "window_hours": WINDOW_HOURS, "fallback": "10:00"})
    assert not errors, errors
    reader = SendTimeReader()
    rng = random.Random(args.seed + 7)
    totals = {"fixed": 0.0, "best_time": 0.0, "optimum": 0.0}
    for customer, person in zip(customers, planted, strict=True):
        zone = ZoneInfo(person.timezone)
        arrives = now + timedelta(minutes=rng.randrange(7 * 24 * 60))

        def probability(moment: datetime, person=person, zone=zone) -> float:
            return person.open_probability[hour_of_week(moment, zone)]

        outcome = wait.run(
            NodeContext(
                node_id="w",
                config=config,
                now=arrives,
                journey_id=0,
                enrollment_id=0,
                entered_at=arrives,
                customer=CustomerView(customer.id, customer.external_id, "", "", person.timezone, {}, {}),
                context={},
                visit=1,
                event_count=lambda **kwargs: 0,
                send_time=reader.for_customer(customer.id),
            )
        )
        chosen = outcome.wait_until or arrives
        fixed = wait._fallback_moment(arrives, "10:00", zone)
        fixed = min(fixed, arrives + timedelta(hours=WINDOW_HOURS))
        hours = [arrives] + [arrives.replace(minute=0) + timedelta(hours=step) for step in range(1, WINDOW_HOURS)]
        totals["fixed"] += probability(fixed)
        totals["best_time"] += probability(chosen)
        totals["optimum"] += max(probability(moment) for moment in hours)
    count = len(customers)
    rates = {name: total / count for name, total in totals.items()}
    result = {
        "customers": count,
        "engagements": len(events),
        "profiled": profiled,
        "hours_in_week": HOURS_IN_WEEK,
        "open_rate_fixed": round(rates["fixed"], 4),
        "open_rate_best_time": round(rates["best_time"], 4),
        "open_rate_optimum": round(rates["optimum"], 4),
        "uplift_share": round((rates["best_time"] - rates["fixed"]) / (rates["optimum"] - rates["fixed"]), 4),
        "refresh_seconds": round(refresh_seconds, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
