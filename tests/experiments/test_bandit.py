"""Thompson-sampling reallocation: its bounds, when it may run, and its record."""

import itertools
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from journeys.experiments import bandit, services
from journeys.models import BanditAllocation, Experiment, ExperimentConversion, ExperimentExposure
from tests.experiments.helpers import experiment_journey


def rng():
    return np.random.default_rng(7)


def test_weights_sum_to_100_and_no_arm_falls_below_1_percent():
    # One arm far ahead: without the floor the others would get almost nothing.
    counts = {"A": (5000, 250), "B": (5000, 600), "C": (5000, 100), "D": (100, 0)}
    weights = bandit.thompson_weights(counts, rng=rng())
    assert sum(weights.values()) == pytest.approx(100, abs=1e-3)
    assert min(weights.values()) >= 1.0
    assert weights["B"] == pytest.approx(97.0, abs=0.01)  # 1% each to the three others


def test_equal_arms_share_traffic_about_equally():
    weights = bandit.thompson_weights({"A": (1000, 100), "B": (1000, 100)}, rng=rng())
    assert weights["A"] == pytest.approx(50, abs=1.0)


def test_the_floor_rejects_more_arms_than_it_can_serve():
    with pytest.raises(ValueError):
        bandit.thompson_weights({str(i): (100, 1) for i in range(101)}, rng=rng())


def test_no_reallocation_until_every_arm_has_100_customers():
    assert not bandit.ready({"A": (100, 5), "B": (99, 5)})
    assert bandit.ready({"A": (100, 5), "B": (100, 5)})


_customer_ids = itertools.count(1)


def bandit_experiment():
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    services.experiment_update_settings(
        experiment=experiment, minimum_detectable_effect=0.1, bandit_on=True, bandit_interval_minutes=60
    )
    return journey, experiment


def expose(journey, counts, *, at):
    for variant, (exposed, converted) in counts.items():
        for i in range(exposed):
            exposure = ExperimentExposure.objects.create(
                journey=journey, node_id="s", customer_id=next(_customer_ids), variant=variant, assigned_at=at
            )
            if i < converted:
                ExperimentConversion.objects.create(
                    exposure=exposure,
                    journey=journey,
                    node_id="s",
                    variant=variant,
                    metric="goal",
                    assigned_at=at,
                    at=at,
                )


@pytest.mark.django_db
def test_a_reallocation_is_recorded_and_sets_the_split_weights():
    journey, experiment = bandit_experiment()
    now = timezone.now()
    expose(journey, {"A": (150, 10), "B": (99, 40)}, at=now - timedelta(hours=2))
    assert services.bandit_reallocate(experiment=experiment, now=now, rng=rng()) is None  # B has 99

    expose(journey, {"B": (1, 0)}, at=now - timedelta(hours=1))
    allocation = services.bandit_reallocate(experiment=experiment, now=now, rng=rng())
    assert allocation is not None
    assert allocation.counts == {"A": [150, 10], "B": [100, 40]}
    assert allocation.weights["B"] == pytest.approx(99.0, abs=0.01)
    assert allocation.weights["A"] == pytest.approx(1.0, abs=0.01)
    experiment.refresh_from_db()
    assert experiment.weights == allocation.weights


@pytest.mark.django_db
def test_the_periodic_job_waits_for_the_interval():
    journey, _ = bandit_experiment()
    now = timezone.now()
    expose(journey, {"A": (100, 10), "B": (100, 20)}, at=now - timedelta(hours=2))
    assert services.bandits_run_due(now=now) == 1
    assert services.bandits_run_due(now=now + timedelta(minutes=30)) == 0
    assert services.bandits_run_due(now=now + timedelta(minutes=61)) == 1
    assert BanditAllocation.objects.count() == 2


@pytest.mark.django_db
def test_a_decision_switches_the_bandit_off():
    _, experiment = bandit_experiment()
    services.experiment_decide(experiment=experiment, kind="winner", variant="B", user=None)
    experiment.refresh_from_db()
    assert (experiment.bandit, experiment.status, experiment.winner) == (False, Experiment.Status.DECIDED, "B")


@pytest.mark.django_db
def test_the_sample_ratio_check_allows_for_the_weights_in_force_when_each_customer_arrived():
    from journeys.experiments.selectors import experiment_report

    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    now = timezone.now()
    expose(journey, {"A": (100, 10), "B": (100, 10)}, at=now - timedelta(hours=3))  # 50/50
    BanditAllocation.objects.create(
        experiment=experiment, at=now - timedelta(hours=2), weights={"A": 10, "B": 90}, counts={}, draws=1
    )
    expose(journey, {"A": (20, 2), "B": (180, 18)}, at=now - timedelta(hours=1))  # 10/90

    report = experiment_report(experiment)
    srm = next(c for c in report["primary"]["checks"] if c["name"] == "sample_ratio_mismatch")
    # 120 vs 280 is exactly what the two periods' weights predict; against 50/50 it would be p < 1e-15.
    assert srm["level"] == "green"
    assert srm["value"] == pytest.approx(1.0)
    assert any("bandit" in note for note in report["notes"])


@pytest.mark.django_db
def test_a_range_ending_before_the_first_reallocation_has_no_bandit_note():
    from journeys.experiments.selectors import experiment_report

    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    now = timezone.now()
    expose(journey, {"A": (100, 10), "B": (100, 10)}, at=now - timedelta(hours=3))
    BanditAllocation.objects.create(
        experiment=experiment, at=now - timedelta(hours=1), weights={"A": 10, "B": 90}, counts={}, draws=1
    )
    before = experiment_report(experiment, end=now - timedelta(hours=2), with_series=False)
    assert not any("bandit" in note for note in before["notes"])
    assert any("bandit" in note for note in experiment_report(experiment, with_series=False)["notes"])
