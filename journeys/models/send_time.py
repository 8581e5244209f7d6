"""Learnt send-time profiles: per customer, and the population prior they are shrunk toward."""

from django.db import models


class SendTimeProfile(models.Model):
    """A customer's engagements (opens, clicks, sessions) per local hour of the week, recomputed
    by the periodic refresh. Only customers with at least one engagement have a row."""

    customer = models.OneToOneField(
        "journeys.Customer", primary_key=True, on_delete=models.CASCADE, related_name="send_time_profile"
    )
    counts = models.JSONField(help_text="168 counts, Monday 00:00 local first.")
    total = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    def __str__(self):
        return f"send-time profile of {self.customer_id} ({self.total} engagements)"


class SendTimePopulation(models.Model):
    """The one row holding the population's shares per hour of week and its habit classes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    shares = models.JSONField(help_text="168 shares summing to 1.")
    habits = models.JSONField(
        default=dict,
        help_text="Habit classes learnt by EM: pairs (K x K weights), weekday and weekend (K x 24 shares), "
        "days (7 shares), and the classes' names.",
    )
    customers = models.PositiveIntegerField()
    engagements = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sendtimepopulation_single_row")]

    def __str__(self):
        return f"send-time population ({self.customers} customers)"
