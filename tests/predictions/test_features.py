"""Features built in SQL, checked against a history small enough to count by hand."""

import threading
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from journeys.predictions import features
from journeys.predictions import spec as specs
from tests.factories import make_customer, make_event, make_source

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)
SPEC = {
    "windows": [7, 30, 90],
    "events": ["Order Completed", "Page Viewed"],
    "engagement": ["Email Opened"],
    "channels": ["email", "sms"],
    "numeric": ["age"],
    "categorical": {"plan": ["free", "pro"]},
}


def days_ago(days: float) -> datetime:
    return AT - timedelta(days=days)


@pytest.fixture
def history(db):
    source = make_source()
    ann = make_customer(external_id="ann", attributes={"age": 31, "plan": "pro"}, consent={"email": True})
    bob = make_customer(external_id="bob", attributes={"age": "old", "plan": "gold"})
    make_customer(external_id="new")  # created after AT below: never in the features
    for when, name in [(1, "Order Completed"), (10, "Order Completed"), (45, "Order Completed"), (2, "Page Viewed")]:
        make_event(customer=ann, source=source, name=name, timestamp=days_ago(when))
    make_event(customer=ann, source=source, name="Email Opened", timestamp=days_ago(3))
    make_event(customer=ann, source=source, name="Order Completed", timestamp=days_ago(120))  # outside 90 days
    make_event(customer=ann, source=source, name="Order Completed", timestamp=AT + timedelta(days=5))  # the future
    from journeys.models import Customer

    Customer.objects.filter(pk__in=[ann.pk, bob.pk]).update(created_at=days_ago(200))
    Customer.objects.filter(external_id="new").update(created_at=AT + timedelta(hours=1))
    return ann, bob


def rows_by_id(target=None) -> dict[int, dict]:
    names = ["id", *specs.feature_names(SPEC)] + (["outcome"] if target else [])
    matrix = features.build_matrix(SPEC, at=AT, target=target)
    assert matrix.shape[1] == len(names)
    return {int(row[0]): dict(zip(names, row.tolist(), strict=True)) for row in matrix}


def test_features_count_each_window_and_ignore_the_future_and_the_too_old(history):
    ann, _ = history
    row = rows_by_id()[ann.pk]
    assert row["event0_7d"] == 1  # orders: 1 day ago
    assert row["event0_30d"] == 2  # and 10 days ago
    assert row["event0_90d"] == 3  # and 45 days ago; not 120 days ago, not in 5 days
    assert row["event1_7d"] == 1
    assert row["events_7d"] == 3  # an order, a page view, an email opened
    assert row["events_90d"] == 5
    assert row["engagement_30d"] == 1
    assert row["days_since_last_event"] == pytest.approx(1)
    assert row["event0_days_since_last"] == pytest.approx(1)
    assert row["event1_days_since_last"] == pytest.approx(2)
    assert row["days_since_first_seen"] == pytest.approx(200)


def test_attributes_and_consent_become_numbers_and_unknown_values_are_nan(history):
    ann, bob = history
    rows = rows_by_id()
    assert (rows[ann.pk]["numeric0"], rows[ann.pk]["category0"]) == (31, 1)
    assert (rows[ann.pk]["consent_email"], rows[ann.pk]["consent_sms"]) == (1, 0)
    assert np.isnan(rows[bob.pk]["numeric0"])  # text where a number was expected
    assert np.isnan(rows[bob.pk]["category0"])  # a plan never seen when the spec was made
    assert np.isnan(rows[bob.pk]["days_since_last_event"])
    assert rows[bob.pk]["events_90d"] == 0


def test_customers_created_after_the_cut_off_are_left_out(history):
    assert len(rows_by_id()) == 2


def test_the_outcome_column_looks_only_at_the_days_after_the_cut_off_and_honours_filters(history):
    ann, bob = history
    target = {"event": "Order Completed", "filters": [], "days": 30, "negate": False}
    rows = rows_by_id(target)
    assert (rows[ann.pk]["outcome"], rows[bob.pk]["outcome"]) == (1, 0)
    churn = rows_by_id({**target, "negate": True})
    assert (churn[ann.pk]["outcome"], churn[bob.pk]["outcome"]) == (0, 1)
    filtered = rows_by_id({**target, "filters": [{"property": "total", "op": "gt", "value": 10}]})
    assert filtered[ann.pk]["outcome"] == 0  # the future order has no total
    short = rows_by_id({**target, "days": 3})
    assert short[ann.pk]["outcome"] == 0  # it came on day 5


def test_values_reach_the_sql_quoted_so_names_with_quotes_are_safe(history):
    spec = {**SPEC, "events": ["O'Brien's \\ order; DROP TABLE x"]}
    matrix = features.build_matrix(spec, at=AT)
    assert matrix.shape == (2, 1 + len(specs.feature_names(spec)))


def test_reasons_read_as_words_with_values():
    labels = specs.feature_labels(SPEC)
    index = specs.feature_names(SPEC).index("event0_30d")
    category = specs.feature_names(SPEC).index("category0")
    text = specs.describe_reasons(SPEC, [index, category], [4.0, 1.0])
    assert text == f"{labels[index]}: 4; plan: pro"
    assert labels[index] == "Order Completed in the last 30 days"


@pytest.fixture
def committed_customers(transactional_db):
    # Committed, so that a second connection sees them (the `db` fixture's transaction hides them).
    from bench.synthetic import generate_customers

    return generate_customers(customers=900, events_per_customer=8, now=AT, source_id=make_source().pk, seed=2)


def test_reading_ahead_reads_the_next_batch_on_a_second_connection_while_this_one_is_used(
    committed_customers, monkeypatch
):
    monkeypatch.setattr(features, "BATCH_IDS", 200)
    serial = list(features.feature_batches(SPEC, at=AT, population=None))
    calls = []
    matrix = features._matrix

    def recording(*args, reader=None, **kwargs):
        calls.append((threading.get_ident(), reader))
        return matrix(*args, reader=reader, **kwargs)

    monkeypatch.setattr(features, "_matrix", recording)
    batches = features.feature_batches(SPEC, at=AT, population=None, read_ahead=True)
    ahead = [next(batches)]
    deadline = time.monotonic() + 10
    while len(calls) < 2 and time.monotonic() < deadline:  # the second batch starts without being asked
        time.sleep(0.01)
    assert len(calls) >= 2
    ahead += list(batches)
    assert len(ahead) == len(serial) == 5
    for got, expected in zip(ahead, serial, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert all(thread != threading.get_ident() and reader is not None for thread, reader in calls)


def test_inside_a_transaction_reading_ahead_reads_on_djangos_connection_and_sees_uncommitted_rows(history, monkeypatch):
    ann, bob = history
    monkeypatch.setattr(features, "BATCH_IDS", 1)  # a batch per customer: several to read ahead
    batches = list(features.feature_batches(SPEC, at=AT, population=None, read_ahead=True))
    assert sorted(int(i) for batch in batches for i in batch[:, 0]) == sorted([ann.pk, bob.pk])
