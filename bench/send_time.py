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

`uplift_share` = (best_time - fixed) / (optimum - fixed), in expected open rate; also by history
size (0-2, 3-15, 16+ engagements). As a reference, `uplift_share_bayes` is what the Bayes-optimal
choice gets: the slot with the highest posterior expected open probability under the generative
model the base was planted with (its peak mixture, weekend shift and curve), given the same
history. No estimator can expect to do better on this base. Prints one JSON line.
"""

import argparse
import json
import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from common import log, reset_bench_database, setup_django, use_bench_database

from bench.synthetic.hours import HOURS_IN_WEEK, make_customers, open_probabilities

WINDOW_HOURS = 24
HISTORY_SIZES = (("0-2", 2), ("3-15", 15), ("16+", math.inf))


def history_size(engagements: int) -> str:
    return next(name for name, top in HISTORY_SIZES if engagements <= top)


def bayes_expected_probabilities(counts: np.ndarray) -> np.ndarray:
    """Per customer, the posterior expected open probability per hour of week under the planted model.

    The prior mirrors bench/synthetic/hours.py: the daily peak is 45% N(19.5, 1), 30% N(8, 1) and
    25% uniform, round the clock; the weekend shift is uniform in [-2, 2]; engagements are drawn in
    proportion to the open probability. A grid of 0.1 h (peak) by 0.2 h (shift) stands for both.
    """
    peaks = np.arange(0, 24, 0.1) + 0.05
    shifts = np.linspace(-2, 2, 21)

    def wrapped_normal(mean: float) -> np.ndarray:
        return sum(np.exp(-((peaks - mean + turn) ** 2) / 2) for turn in (-24, 0, 24)) / math.sqrt(2 * math.pi)

    peak_prior = 0.45 * wrapped_normal(19.5) + 0.30 * wrapped_normal(8.0) + 0.25 / 24
    curves = np.array([open_probabilities(peak, shift) for peak in peaks for shift in shifts])
    log_prior = np.log(np.repeat(peak_prior, len(shifts)))
    log_shares = np.log(curves / curves.sum(axis=1, keepdims=True))
    expected = np.empty((len(counts), HOURS_IN_WEEK))
    for start in range(0, len(counts), 500):
        log_posterior = counts[start : start + 500] @ log_shares.T + log_prior
        weights = np.exp(log_posterior - log_posterior.max(axis=1, keepdims=True))
        expected[start : start + 500] = (weights / weights.sum(axis=1, keepdims=True)) @ curves
    return expected


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
    from journeys.send_time.profile import best_slot, hour_of_week
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
    counts = np.zeros((len(planted), HOURS_IN_WEEK))
    for number, person in enumerate(planted):
        for moment in person.history:
            counts[number, hour_of_week(moment, ZoneInfo(person.timezone))] += 1
    bayes = bayes_expected_probabilities(counts)
    names = ("fixed", "best_time", "optimum", "bayes")
    totals = {name: 0.0 for name in names}
    by_size = {size: dict.fromkeys((*names, "customers"), 0.0) for size, _ in HISTORY_SIZES}
    decide_seconds = 0.0
    for number, (customer, person) in enumerate(zip(customers, planted, strict=True)):
        zone = ZoneInfo(person.timezone)
        arrives = now + timedelta(minutes=rng.randrange(7 * 24 * 60))

        def probability(moment: datetime, person=person, zone=zone) -> float:
            return person.open_probability[hour_of_week(moment, zone)]

        decide_started = time.perf_counter()
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
        decide_seconds += time.perf_counter() - decide_started
        chosen = outcome.wait_until or arrives
        until = arrives + timedelta(hours=WINDOW_HOURS)
        bayes_choice, _ = best_slot(arrives, until, bayes[number].tolist(), zone)
        fixed = min(wait._fallback_moment(arrives, "10:00", zone), until)
        # Every hour that starts within the window, as the node's search sees it: the hour under
        # way, then each whole hour before `until` (24 of them when the wait starts mid-hour).
        hours = [arrives] + [
            slot
            for step in range(1, WINDOW_HOURS + 1)
            if (slot := arrives.replace(minute=0) + timedelta(hours=step)) < until
        ]
        scores = {
            "fixed": probability(fixed),
            "best_time": probability(chosen),
            "optimum": max(probability(moment) for moment in hours),
            "bayes": probability(bayes_choice),
        }
        size = by_size[history_size(len(person.history))]
        size["customers"] += 1
        for name, value in scores.items():
            totals[name] += value
            size[name] += value
    count = len(customers)
    rates = {name: total / count for name, total in totals.items()}

    def share(rates: dict, name: str) -> float:
        return round((rates[name] - rates["fixed"]) / (rates["optimum"] - rates["fixed"]), 4)

    result = {
        "customers": count,
        "engagements": len(events),
        "profiled": profiled,
        "hours_in_week": HOURS_IN_WEEK,
        "open_rate_fixed": round(rates["fixed"], 4),
        "open_rate_best_time": round(rates["best_time"], 4),
        "open_rate_optimum": round(rates["optimum"], 4),
        "uplift_share": share(rates, "best_time"),
        "uplift_share_by_history": {name: share(size, "best_time") for name, size in by_size.items()},
        "customers_by_history": {name: int(size["customers"]) for name, size in by_size.items()},
        "open_rate_bayes": round(rates["bayes"], 4),
        "uplift_share_bayes": share(rates, "bayes"),
        "uplift_share_bayes_by_history": {name: share(size, "bayes") for name, size in by_size.items()},
        "refresh_seconds": round(refresh_seconds, 2),
        "decide_ms_per_customer": round(1000 * decide_seconds / count, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
