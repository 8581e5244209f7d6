"""Scoring everyone: the scores the model gives, exact percentiles, and no score for a customer who is gone."""

from datetime import timedelta

import lightgbm
import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from journeys.models import Customer, PredictionScore, PredictionTraining
from journeys.predictions import features, scoring, services
from journeys.predictions import spec as specs
from tests.factories import make_customer, make_event, make_source
from tests.predictions.test_features import SPEC


@pytest.fixture
def population(db):
    """Twelve customers with different histories, a model over SPEC's features, a training run holding it."""
    now = timezone.now()
    source = make_source()
    customers = [make_customer(attributes={"age": 20 + i, "plan": "pro" if i % 3 else "free"}) for i in range(12)]
    for i, customer in enumerate(customers):
        for k in range(i % 5):
            make_event(customer=customer, source=source, name="Order Completed", timestamp=now - timedelta(days=k * 9))
    Customer.objects.update(created_at=now - timedelta(days=100))
    rng = np.random.default_rng(0)
    width = len(specs.feature_names(SPEC))
    x = rng.random((400, width)) * 10
    model = lightgbm.train(
        {"objective": "binary", "verbose": -1, "min_data_in_leaf": 5},
        lightgbm.Dataset(x, (x[:, 4] + rng.random(400) * 4 > 6).astype(float)),
        num_boost_round=20,
    )
    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    run = PredictionTraining.objects.create(
        prediction=prediction, status="done", spec=SPEC, model_text=model.model_to_string()
    )
    return prediction, run, customers, now


def test_everyone_gets_the_models_score_and_the_share_of_customers_scored_lower(population):
    prediction, run, customers, now = population
    assert scoring.score_everyone(prediction, run, now=now) == 12
    matrix = features.build_matrix(SPEC, at=now)
    expected = scoring.booster_for(run).predict(matrix[:, 1:])
    rows = {s.customer_id: s for s in PredictionScore.objects.filter(prediction=prediction)}
    assert sorted(rows) == sorted(c.pk for c in customers)
    np.testing.assert_array_equal([rows[int(i)].score for i in matrix[:, 0]], expected)
    for i, score in zip(matrix[:, 0], expected, strict=True):
        assert rows[int(i)].percentile == (expected < score).sum() / 12


def test_a_customer_erased_after_their_features_were_read_gets_no_score(population, monkeypatch):
    prediction, run, customers, now = population
    gone = customers[4]
    batches = features.feature_batches

    def then_erase(*args, **kwargs):
        yield from batches(*args, **kwargs)
        Customer.objects.filter(pk=gone.pk).delete()  # between reading and writing

    monkeypatch.setattr(features, "feature_batches", then_erase)
    assert scoring.score_everyone(prediction, run, now=now) == 11
    assert not PredictionScore.objects.filter(customer_id=gone.pk).exists()
    assert PredictionScore.objects.filter(prediction=prediction).count() == 11


def test_deleting_a_customer_deletes_their_scores_without_a_database_constraint(population):
    prediction, run, customers, now = population
    scoring.score_everyone(prediction, run, now=now)
    customers[0].delete()
    assert not PredictionScore.objects.filter(customer_id=customers[0].pk).exists()
    assert PredictionScore.objects.filter(prediction=prediction).count() == 11


def test_customers_read_out_of_id_order_still_get_their_own_features(population):
    # An update can move a customer's row anywhere in the table; a scan then returns ids out of
    # order, and each customer's events must still be counted for that customer.
    _, _, customers, now = population
    with connection.cursor() as cursor:
        cursor.execute("CLUSTER journeys_customer USING journeys_customer_pkey")  # a known order first
        for customer in reversed(customers[1:5]):  # rewritten at the end of the table, last id first
            cursor.execute("UPDATE journeys_customer SET attributes = attributes WHERE id = %s", [customer.pk])
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SELECT id FROM journeys_customer")
        scanned = [row[0] for row in cursor.fetchall()]
        assert scanned != sorted(scanned)

        matrix = features.build_matrix(SPEC, at=now)

    column = specs.feature_names(SPEC).index("events_90d") + 1
    by_id = {int(row[0]): row[column] for row in matrix}
    # The fixture gave customer i i % 5 orders, 9 days apart from `now`; the one at `now` itself
    # is not before it.
    assert [by_id[c.pk] for c in customers] == [max(0, i % 5 - 1) for i in range(12)]
