"""Anomaly alerts raised by the hourly monitoring job."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Alert(models.Model):
    """One anomalous episode of one hourly series: consecutive unusual hours, merged.

    `series_key` names the series: `all`, `event:<name>`, `source:<id>` or
    `node:<journey>:<node>:<metric>`. The figures are those of the most unusual hour.
    """

    class State(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        MUTED = "muted"

    class Direction(models.TextChoices):
        INCREASE = "increase"
        DECREASE = "decrease"
        SILENCE = "silence"

    series_key = models.CharField(max_length=400)
    journey = models.ForeignKey(
        "journeys.Journey", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    node_id = models.CharField(max_length=64, blank=True, default="")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    muted_until = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(help_text="The first unusual hour.")
    window_end = models.DateTimeField(help_text="The end of the last unusual hour.")
    observed = models.FloatField()
    expected = models.FloatField()
    lower = models.FloatField()
    upper = models.FloatField()
    hours = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-window_end", "-id"]
        indexes = [
            models.Index(fields=["series_key", "-window_end"], name="alert_series_recent"),
            models.Index(fields=["journey", "node_id"], condition=Q(journey__isnull=False), name="alert_journey_node"),
        ]

    def __str__(self):
        return f"{self.direction} in {self.series_key}"


class MonitoringRun(models.Model):
    """The last hour the monitoring job evaluated, so a late or missed run catches up."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    evaluated_through = models.DateTimeField(help_text="Hours before this one have been evaluated.")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="monitoringrun_single_row")]

    def __str__(self):
        return f"evaluated through {self.evaluated_through:%Y-%m-%d %H:00}"
