"""The experiment's conversion series: per hour for short experiments, per day for long ones, cumulative."""

from datetime import UTC, datetime, timedelta

import pytest

from journeys.experiments import services
from journeys.experiments.selectors import experiment_report
from journeys.models import ExperimentConversion, ExperimentExposure
from tests.experiments.helpers import experiment_journey


def expose(journey, customer_id, variant, at, *, converted_after=None):
    exposure = ExperimentExposure.objects.create(
        journey=journey, node_id="s", customer_id=customer_id, variant=variant, assigned_at=at
    )
    if converted_after is not None:
        ExperimentConversion.objects.create(
            exposure=exposure,
            journey=journey,
            node_id="s",
            variant=variant,
            metric="goal",
            assigned_at=at,
            at=at + converted_after,
        )


@pytest.mark.django_db
def test_a_short_experiment_is_charted_per_hour_with_cumulative_counts():
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    t0 = datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    expose(journey, 1, "A", t0, converted_after=timedelta(minutes=90))
    expose(journey, 2, "B", t0 + timedelta(hours=2))

    report = experiment_report(experiment)
    assert report["series_unit"] == "hour"
    assert [p["period"] for p in report["series"]] == [
        "2026-03-01 10:00",
        "2026-03-01 11:00",
        "2026-03-01 12:00",
    ]
    a = [p["variants"]["A"] for p in report["series"]]
    assert [(x["exposed"], x["conversions"]) for x in a] == [(1, 0), (1, 1), (1, 1)]
    assert report["series"][-1]["variants"]["B"]["exposed"] == 1


@pytest.mark.django_db
def test_a_long_experiment_is_charted_per_day_and_a_range_limits_it():
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    t0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
    for day in range(10):
        expose(journey, day + 1, "AB"[day % 2], t0 + timedelta(days=day))

    report = experiment_report(experiment)
    assert report["series_unit"] == "day"
    assert len(report["series"]) == 10
    assert report["series"][-1]["variants"]["A"]["exposed"] == 5

    ranged = experiment_report(experiment, start=t0 + timedelta(days=5), end=t0 + timedelta(days=7))
    assert sum(v["exposed"] for v in ranged["primary"]["variants"]) == 2
