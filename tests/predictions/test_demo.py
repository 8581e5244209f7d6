"""The demo seeds a trained prediction, so its quality page has figures from the first run."""

import pytest
from django.core.management import call_command

from journeys.models import Prediction, PredictionScore


@pytest.mark.slow
def test_seed_demo_trains_the_demo_prediction_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    prediction = Prediction.objects.select_related("current_training").get(name="likelihood to order")
    run = prediction.current_training
    assert run is not None and run.status == "done"
    assert run.metrics["auc"] is not None
    assert PredictionScore.objects.filter(prediction=prediction).count() >= 200
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Prediction.objects.count() == 1
