"""Experiments on split nodes: their settings, exposures, conversions, decisions and bandit reallocations.

The engine keeps `ExperimentExposure` and `ExperimentConversion` current inside its own batch transactions
(set-based, see journeys/experiments/capture.py), so report pages count rows of these two tables and never
scan the event log.
"""

from django.conf import settings as django_settings
from django.db import models


class Experiment(models.Model):
    """The experiment a split node runs: what reviewers set up, and how the node routes now.

    Created when its split is published (migration 0026 made those of splits published before).
    `winner` set means every customer reaching the node from then on takes that arm; `weights` (a
    {variant: weight} map) overrides the graph's weights while a bandit reallocates traffic.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        DECIDED = "decided"  # a winner was declared
        STOPPED = "stopped"  # ended without a winner; traffic goes to the arm chosen when stopping

    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="experiments")
    node_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    winner = models.CharField(max_length=64, blank=True, help_text="The arm every customer now takes.")
    weights = models.JSONField(null=True, blank=True, help_text="Bandit weights overriding the graph's.")
    minimum_detectable_effect = models.FloatField(default=0.10, help_text="Relative, for the sample size check.")
    bandit = models.BooleanField(default=False, help_text="Reallocate traffic by Thompson sampling.")
    bandit_interval_minutes = models.PositiveIntegerField(default=60)
    bandit_last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["journey", "node_id"], name="experiment_one_per_node")]

    def __str__(self):
        return f"{self.journey} / {self.node_id}"


class ExperimentMetric(models.Model):
    """A secondary or guardrail metric: did the customer do `event` within `window_days` of assignment."""

    class Kind(models.TextChoices):
        SECONDARY = "secondary"
        GUARDRAIL = "guardrail"

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="metrics")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    event = models.CharField(max_length=255)
    window_days = models.PositiveIntegerField(default=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "event"], name="experiment_metric_once")]
        indexes = [models.Index(fields=["event"], name="experiment_metric_event")]

    def __str__(self):
        return f"{self.kind}: {self.event}"


class ExperimentExposure(models.Model):
    """A customer's first assignment at a split node: the unit every experiment figure counts.

    Later visits (re-entries) keep this row, so a customer counts once, in the arm they first saw.
    """

    id = models.BigAutoField(primary_key=True)
    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=64)
    customer_id = models.BigIntegerField()
    variant = models.CharField(max_length=64)
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Leading customer_id: the engine looks exposures up by the customers of a batch of events.
            models.UniqueConstraint(fields=["customer_id", "journey", "node_id"], name="exposure_once_per_customer")
        ]
        # Covering: a report's grouped counts read the index alone (once vacuum has marked the pages visible).
        indexes = [
            models.Index(fields=["journey", "node_id", "assigned_at"], include=["variant"], name="exposure_node_time")
        ]

    def __str__(self):
        return f"{self.node_id}: {self.customer_id} -> {self.variant}"


class ExperimentConversion(models.Model):
    """The first time an exposed customer did a metric's event within its window after assignment.

    `metric` is "goal" for the journey goal (the primary metric) or the ExperimentMetric id. Journey, node,
    variant and assignment time are copied from the exposure so counting needs no join.
    """

    id = models.BigAutoField(primary_key=True)
    exposure = models.ForeignKey(ExperimentExposure, on_delete=models.CASCADE, related_name="conversions")
    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=64)
    variant = models.CharField(max_length=64)
    metric = models.CharField(max_length=32)
    assigned_at = models.DateTimeField(help_text="The exposure's, so a date range needs no join.")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exposure", "metric"], name="conversion_once_per_metric")]
        indexes = [
            models.Index(
                fields=["journey", "node_id", "assigned_at"],
                include=["metric", "variant", "at"],
                name="conversion_node_time",
            )
        ]

    def __str__(self):
        return f"{self.node_id} {self.variant} {self.metric}"


class ExperimentDecision(models.Model):
    """A winner declared or an experiment stopped: who, when, and every figure as it stood then."""

    class Kind(models.TextChoices):
        WINNER = "winner"
        STOP = "stop"

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    variant = models.CharField(max_length=64, help_text="The arm customers take from now on.")
    note = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField()
    figures = models.JSONField(help_text="The report's figures at the moment of the decision.")

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.variant}"


class BanditAllocation(models.Model):
    """One Thompson-sampling reallocation: the counts it saw and the weights it set."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="allocations")
    at = models.DateTimeField()
    weights = models.JSONField(help_text="{variant: weight in percent}")
    counts = models.JSONField(help_text="{variant: [exposed, conversions]} at the time")
    draws = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.experiment} at {self.at:%Y-%m-%d %H:%M}"
