"""Training on synthetic customers whose outcome is planted: the model finds what was planted."""

from datetime import UTC, datetime

import numpy as np
import pytest

from bench.synthetic import generate_customers
from journeys.models import PredictionScore, PredictionTraining
from journeys.predictions import quality, services
from tests.factories import make_source

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def planted(db):
    source = make_source()
    return generate_customers(customers=6000, events_per_customer=20, now=NOW, source_id=source.pk, seed=3)


def test_training_on_planted_data_reaches_an_auc_close_to_the_planted_limit(planted):
    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    run, created = services.training_request(prediction=prediction, now=NOW)
    assert created
    run = services.training_run(run_id=run.pk, now=NOW)
    assert run.status == PredictionTraining.Status.DONE, run.error
    held = planted.customer_ids % 5 == 0
    limit = quality.auc(planted.ordered[held], planted.probability[held])
    print(run.metrics["auc"], limit, run.metrics["calibration_error"], run.metrics["importance"][:4])
    assert run.metrics["auc"] > 0.7
    assert run.metrics["auc"] >= 0.9 * limit
    assert run.metrics["holdout_size"] == int(held.sum())
    assert PredictionScore.objects.filter(prediction=prediction).count() == len(planted.customer_ids)
    prediction.refresh_from_db()
    assert prediction.current_training_id == run.pk
    assert len(run.metrics["lift"]) == 10
    assert run.metrics["lift"][0]["lift"] > 1.5
    assert np.isclose(sum(row["count"] for row in run.metrics["calibration"]), run.metrics["holdout_size"])
