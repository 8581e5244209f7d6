"""Predictive scores: what a marketer asks to predict, each training run, and every customer's score."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from journeys.models.customers import Customer


class Prediction(models.Model):
    """A question about each customer's next days: "does `event` (with filters) happen within `days`".

    With `negate` the question is the opposite (churn: "does not ... within 30 days"). `population`
    is a condition tree (see journeys.conditions) or null for everyone. The model and the
    quality figures live on the training run named by `current_training`.
    """

    name = models.CharField(max_length=80, help_text='Shown in reasons, e.g. "likelihood to order".')
    target_event = models.CharField(max_length=255)
    target_filters = models.JSONField(default=list, blank=True)
    target_days = models.PositiveSmallIntegerField(default=30)
    negate = models.BooleanField(default=False, help_text="Predict that the event does NOT happen (churn).")
    population = models.JSONField(null=True, blank=True)
    retrain_hours = models.PositiveSmallIntegerField(default=24)
    current_training = models.ForeignKey(
        "PredictionTraining", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When scores were last brought up to date; the hourly pass rescores customers with events since.
    scored_through = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class PredictionTraining(models.Model):
    """One training run: its progress while it runs, then its model, feature spec and quality figures.

    A worker that dies leaves `running` behind; `heartbeat_at` tells a live run from a dead one
    (journeys.predictions.services.STALE_AFTER), so the run shows as failed and can be retried.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="trainings")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=120, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    cutoff = models.DateTimeField(null=True, blank=True, help_text="Features from before, outcomes after.")
    spec = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    model_text = models.TextField(blank=True)
    # Score quantiles of the last full scoring: customers rescored alone get their percentile from them.
    quantiles = ArrayField(models.FloatField(), default=list, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.prediction} training #{self.pk} ({self.status})"


class PredictionScore(models.Model):
    """A customer's current score for a prediction, its percentile and the features behind it.

    `reason_features` are indices into the current training's feature list, strongest contribution
    first, and `reason_values` the customer's values of those features when scored.

    Both relations are kept by Django (deletes cascade through the ORM) but not by database
    constraints: checking them cost one lookup and one row lock per row, about half of writing a
    million scores. A full scoring deletes, in the same transaction, rows whose customer is gone
    (see `journeys.predictions.scoring`). No index of its own on `prediction`: the primary key
    starts with it.
    """

    pk = models.CompositePrimaryKey("prediction", "customer")
    prediction = models.ForeignKey(
        Prediction, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    score = models.FloatField()
    percentile = models.FloatField(help_text="Share of the population scored lower, 0 to 1.")
    reason_features = ArrayField(models.SmallIntegerField(), default=list)
    reason_values = ArrayField(models.FloatField(), default=list)
    scored_at = models.DateTimeField()

    def __str__(self):
        return f"{self.prediction_id}/{self.customer_id}: {self.score:.3f}"
