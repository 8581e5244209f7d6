"""A journey with customers through an A/B split, a wait, a goal and exits, driven by the real engine."""

from datetime import timedelta

from django.utils import timezone

from journeys.experiments import services
from journeys.models import Experiment
from tests.engine.helpers import run, send
from tests.experiments.helpers import experiment_journey
from tests.factories import make_source


def populated_journey(*, customers: int = 40, buyers: int = 12):
    """Customers enter, split, wait an hour; some buy (the goal); then the wait ends for everyone."""
    source = make_source()
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    services.experiment_metric_add(experiment=experiment, kind="guardrail", event="Unsubscribed", window_days=7)
    send(source, *({"userId": f"c{i}", "event": "Signed Up"} for i in range(customers)))
    run()
    send(source, *({"userId": f"c{i}", "event": "Purchased"} for i in range(buyers)))
    send(source, {"userId": "c0", "event": "Unsubscribed"})
    run()
    run(now=timezone.now() + timedelta(hours=2))
    return journey, Experiment.objects.get(pk=experiment.pk)
