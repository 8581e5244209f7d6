"""Scoring everyone: the scores the model gives, exact percentiles, and no score for a customer who is gone."""

from datetime import timedelta

import lightgbm
import numpy as np
import pytest
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
