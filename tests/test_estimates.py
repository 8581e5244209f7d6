"""Audience estimates: exact on small tables, a scaled sample on large ones or when counting is slow."""

import pytest
from django.db import connection
from django.utils import timezone

from journeys import estimates
from journeys.conditions import clean_condition
from journeys.models import Customer

pytestmark = pytest.mark.django_db

PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}


def customers(count: int, *, every: int = 4) -> None:
    """`count` customers, one in `every` on the pro plan; then ANALYZE, as autovacuum would."""
    Customer.objects.bulk_create(
        Customer(external_id=f"c{n}", attributes={"plan": "pro" if n % every == 0 else "free"}) for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_customer")


def test_a_small_table_is_counted_exactly():
    customers(400)

    estimate = estimates.audience_estimate(PRO, now=timezone.now())

    assert (estimate.count, estimate.exact, estimate.sampled) == (100, True, 0)


def test_a_large_table_is_sampled_and_scaled(monkeypatch):
    customers(8000)
    monkeypatch.setattr(estimates, "SAMPLE_ROWS", 2000)

    estimate = estimates.audience_estimate(PRO, now=timezone.now(), exact_up_to=1000)

    assert estimate.exact is False
    assert 0 < estimate.sampled < 8000
    assert 1400 <= estimate.count <= 2600  # 2000 really; a block sample of a quarter of the table


def test_an_exact_count_that_runs_out_of_time_falls_back_to_a_sample(monkeypatch):
    customers(3000)
    monkeypatch.setattr(estimates, "EXACT_TIMEOUT_MS", 1)
    # This is about the fallback, not the sample's speed: a loaded machine must not time it out
    # (each customer's history is an index probe per month partition).
    monkeypatch.setattr(estimates, "SAMPLE_TIMEOUT_MS", 60_000)
    # Event history makes each customer an index probe: far more than a millisecond for 3000.
    heavy, _ = clean_condition(
        {"any": [{"type": "event", "event": f"E{n}", "min_count": 2} for n in range(20)] + [PRO]}
    )

    estimate = estimates.audience_estimate(heavy, now=timezone.now())

    assert estimate.exact is False
    assert estimate.count == 750  # the sample is the whole (small) table, still said as an estimate


def test_a_rare_audience_on_a_large_table_is_counted_exactly_after_the_sample(monkeypatch):
    customers(8000, every=4000)  # two on the pro plan
    monkeypatch.setattr(estimates, "SAMPLE_ROWS", 2000)

    estimate = estimates.audience_estimate(PRO, now=timezone.now(), exact_up_to=1000)

    assert (estimate.count, estimate.exact) == (2, True)


def test_the_callers_statement_timeout_is_left_as_it_was():
    customers(50)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 7000")

        estimates.audience_estimate(PRO, now=timezone.now())

        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "7s"


def test_rounding_keeps_two_significant_figures():
    assert [estimates._round(v) for v in (3.4, 57.2, 1234.0, 1_249_999.0)] == [3, 57, 1200, 1200000]
