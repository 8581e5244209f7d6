"""Training on synthetic customers whose outcome is planted: the model finds what was planted."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bench.synthetic import generate_customers
from journeys.models import Customer, Prediction, PredictionScore, PredictionTraining, Source
from journeys.predictions import quality, services
from tests.factories import make_event, make_source

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
    assert run.metrics["auc"] > 0.7
    assert run.metrics["auc"] >= 0.9 * limit
    assert run.metrics["holdout_size"] == int(held.sum())
    assert PredictionScore.objects.filter(prediction=prediction).count() == len(planted.customer_ids)
    prediction.refresh_from_db()
    assert prediction.current_training_id == run.pk
    assert len(run.metrics["lift"]) == 10
    assert run.metrics["lift"][0]["lift"] > 1.5
    assert np.isclose(sum(row["count"] for row in run.metrics["calibration"]), run.metrics["holdout_size"])


def test_the_hourly_pass_rescores_only_customers_with_new_events_and_recovers_dead_runs(planted):
    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    run, _ = services.training_request(prediction=prediction, now=NOW)
    services.training_run(run_id=run.pk, now=NOW)
    later = NOW + timedelta(hours=1)
    customer = Customer.objects.get(pk=int(planted.customer_ids[7]))
    source = Source.objects.first()
    for _ in range(5):
        make_event(customer=customer, source=source, name="Order Completed", timestamp=later, received_at=later)
    dead = PredictionTraining.objects.create(prediction=prediction, status="running", heartbeat_at=NOW, started_at=NOW)
    assert services.predictions_refresh(now=later) == {"trained": 0, "rescored": 1}
    dead.refresh_from_db()
    assert dead.status == "failed"
    rescored = PredictionScore.objects.filter(prediction=prediction, scored_at=later)
    assert [s.customer_id for s in rescored] == [customer.pk]
    assert PredictionScore.objects.filter(prediction=prediction).count() == len(planted.customer_ids)
    assert Prediction.objects.get(pk=prediction.pk).scored_through == later
