"""Writes for experiments: settings and metrics, decisions (winner or stop), bandit reallocations."""

import json
import logging
from datetime import datetime, timedelta

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from journeys.experiments import bandit
from journeys.experiments.selectors import (
    experiment_report,
    experiment_variants,
    goal_counts,
    journey_goal,
    split_node,
)
from journeys.models import (
    BanditAllocation,
    Experiment,
    ExperimentConversion,
    ExperimentDecision,
    ExperimentMetric,
    Journey,
)

logger = logging.getLogger(__name__)

MAX_METRICS = 20
MAX_NOTE_CHARS = ExperimentDecision._meta.get_field("note").max_length
MIN_BANDIT_INTERVAL_MINUTES = 5


class ExperimentError(Exception):
    """A change the experiment's state does not allow; the message is shown to the user."""


def experiment_get_or_create(*, journey: Journey, node_id: str) -> Experiment:
    """The experiment of this split node; raises ExperimentError if the node is not a split."""
    if split_node(journey, node_id) is None:
        raise ExperimentError(f"{node_id!r} is not a split node of this journey")
    experiment, _ = Experiment.objects.get_or_create(journey=journey, node_id=node_id)
    return experiment


def _json_ready(value):
    """Figures as stored JSON: datetimes as ISO text, like the API shows them."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def experiment_decide(
    *, experiment: Experiment, kind: str, variant: str, user, note: str = "", now: datetime | None = None
) -> ExperimentDecision:
    """Declare `variant` the winner, or stop the experiment routing everyone to `variant`.

    From the commit on, every customer reaching the node takes `variant`; those already past it stay where
    they are. The decision keeps who, when, and the report's figures as they stood.
    """
    now = now or timezone.now()
    if "\x00" in note:
        raise ExperimentError("the note cannot contain NUL characters")
    if kind not in ExperimentDecision.Kind.values:
        raise ExperimentError(f"unknown decision {kind!r}")
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().select_related("journey").get(pk=experiment.pk)
        if experiment.status != Experiment.Status.RUNNING:
            raise ExperimentError(f"the experiment is already {experiment.status}")
        keys = [v["key"] for v in experiment_variants(experiment)]
        if variant not in keys:
            raise ExperimentError(f"{variant!r} is not one of the variants ({', '.join(keys)})")
        figures = experiment_report(experiment, end=now, with_series=False)
        figures.pop("decisions", None)
        figures.pop("allocations", None)
        decision = ExperimentDecision.objects.create(
            experiment=experiment,
            kind=kind,
            variant=variant,
            note=note[:MAX_NOTE_CHARS],
            decided_by=user if getattr(user, "is_authenticated", False) else None,
            decided_at=now,
            figures=_json_ready(figures),
        )
        experiment.status = Experiment.Status.DECIDED if kind == "winner" else Experiment.Status.STOPPED
        experiment.winner = variant
        experiment.ended_at = now
        experiment.bandit = False
        experiment.save(update_fields=["status", "winner", "ended_at", "bandit"])
    return decision


def experiment_update_settings(
    *, experiment: Experiment, minimum_detectable_effect: float, bandit_on: bool, bandit_interval_minutes: int
) -> Experiment:
    if not 0.001 <= minimum_detectable_effect <= 10:
        raise ExperimentError("the minimum detectable effect must be between 0.1% and 1000%")
    if bandit_interval_minutes < MIN_BANDIT_INTERVAL_MINUTES or bandit_interval_minutes > 7 * 24 * 60:
        raise ExperimentError(f"the bandit interval must be {MIN_BANDIT_INTERVAL_MINUTES} minutes to 7 days")
    with transaction.atomic():
        # Locked, so a decision or a reallocation committing meanwhile is neither undone nor overwritten.
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if bandit_on and experiment.status != Experiment.Status.RUNNING:
            raise ExperimentError("a bandit only runs while the experiment is running")
        experiment.minimum_detectable_effect = minimum_detectable_effect
        experiment.bandit = bandit_on
        experiment.bandit_interval_minutes = bandit_interval_minutes
        if not bandit_on and experiment.weights is not None:
            # Back to the graph's weights; the reallocations stay on record.
            experiment.weights = None
        experiment.save(update_fields=["minimum_detectable_effect", "bandit", "bandit_interval_minutes", "weights"])
    return experiment


def experiment_metric_add(*, experiment: Experiment, kind: str, event: str, window_days: int) -> ExperimentMetric:
    """A secondary or guardrail metric; it counts events from now on (conversions are captured as they arrive)."""
    event = event.strip()
    if kind not in ExperimentMetric.Kind.values:
        raise ExperimentError(f"unknown metric kind {kind!r}")
    if not event or len(event) > 255 or "\x00" in event:
        raise ExperimentError("name the event (at most 255 characters, no NUL characters)")
    if not 1 <= window_days <= 365:
        raise ExperimentError("the window must be 1 to 365 days")
    if experiment.metrics.count() >= MAX_METRICS:
        raise ExperimentError(f"at most {MAX_METRICS} metrics per experiment")
    if experiment.metrics.filter(event=event).exists():
        raise ExperimentError(f"{event!r} is already a metric of this experiment")
    return ExperimentMetric.objects.create(experiment=experiment, kind=kind, event=event, window_days=window_days)


def experiment_metric_remove(*, experiment: Experiment, metric_id: int) -> None:
    with transaction.atomic():
        deleted, _ = experiment.metrics.filter(pk=metric_id).delete()
        if not deleted:
            raise ExperimentError("no such metric")
        ExperimentConversion.objects.filter(
            journey_id=experiment.journey_id, node_id=experiment.node_id, metric=str(metric_id)
        ).delete()


def bandit_reallocate(
    *, experiment: Experiment, now: datetime | None = None, rng: np.random.Generator | None = None
) -> BanditAllocation | None:
    """One Thompson-sampling reallocation, recorded; None until every arm has bandit.MIN_EXPOSED customers."""
    now = now or timezone.now()
    rng = rng or np.random.default_rng()
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().select_related("journey").get(pk=experiment.pk)
        if not experiment.bandit or experiment.status != Experiment.Status.RUNNING:
            return None
        experiment.bandit_last_run_at = now
        experiment.save(update_fields=["bandit_last_run_at"])
        counts = goal_counts(experiment, end=now)
        if not journey_goal(experiment.journey) or not bandit.ready(counts):
            return None
        weights = bandit.thompson_weights(counts, rng=rng)
        allocation = BanditAllocation.objects.create(
            experiment=experiment,
            at=now,
            weights=weights,
            counts={k: list(v) for k, v in counts.items()},
            draws=bandit.DRAWS,
        )
        experiment.weights = weights
        experiment.save(update_fields=["weights"])
    return allocation


def bandits_run_due(*, now: datetime | None = None) -> int:
    """Reallocate every running bandit whose interval has passed (a periodic job); return how many moved."""
    now = now or timezone.now()
    moved = 0
    for experiment in Experiment.objects.filter(bandit=True, status=Experiment.Status.RUNNING):
        last = experiment.bandit_last_run_at
        if last is not None and now - last < timedelta(minutes=experiment.bandit_interval_minutes):
            continue
        try:
            if bandit_reallocate(experiment=experiment, now=now):
                moved += 1
        except Exception:  # one broken experiment must not hold up the others
            logger.exception("bandit reallocation failed for experiment %s", experiment.pk)
    return moved
