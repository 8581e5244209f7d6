"""Migration 0026: splits published before publishing made experiment records get theirs."""

import importlib

from django.apps import apps

from journeys.models import Experiment
from tests.experiments.helpers import experiment_journey
from tests.factories import make_graph, make_journey, node

upgrade = importlib.import_module("journeys.migrations.0026_experiments_of_published_splits")


def test_the_upgrade_gives_each_published_split_its_experiment_record(db):
    published = experiment_journey()
    variants = [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]
    make_journey(  # a split only in a draft: no experiment until it is published
        graph=make_graph(
            [node("t", "event_trigger", {"event": "Signed Up"}), node("s", "split", {"variants": variants})],
            [("t", "next", "s")],
        ),
        publish=False,
    )
    Experiment.objects.all().delete()  # as on an install from before publishing made them
    upgrade.create_missing_experiments(apps, None)
    upgrade.create_missing_experiments(apps, None)  # run twice: nothing doubles
    assert list(Experiment.objects.values_list("journey_id", "node_id")) == [(published.pk, "s")]
