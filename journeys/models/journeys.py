"""Journeys, their published versions, and the state of every customer inside them."""

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q


def empty_graph() -> dict:
    return {"nodes": [], "edges": []}


class Journey(models.Model):
    """A journey as the marketer edits it: a draft graph plus settings, and a lifecycle status.

    `graph` is the draft. Publishing copies it into an immutable JourneyVersion; customers run
    on versions, never on the draft.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        LIVE = "live"  # new entries, customers advance
        PAUSED = "paused"  # no new entries, everyone holds where they are
        CLOSED = "closed"  # no new entries, those inside finish
        STOPPED = "stopped"  # everyone inside has exited
        ARCHIVED = "archived"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    graph = models.JSONField(default=empty_graph, help_text="The draft, in React Flow's shape.")
    settings = models.JSONField(default=dict, blank=True, help_text="Re-entry, entry cap, exit criteria, goal.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    current_version = models.ForeignKey(
        "JourneyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_count = models.BigIntegerField(default=0, help_text="Enrollments ever made, for the entry cap.")
    next_audience_run_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled audience trigger next enrolls matching customers."
    )
    created_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return self.name

    @property
    def accepts_entries(self) -> bool:
        return self.status == self.Status.LIVE


class JourneyVersion(models.Model):
    """An immutable published copy of a journey's graph and settings."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    settings = models.JSONField(default=dict)
    published_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["journey", "-number"]
        constraints = [models.UniqueConstraint(fields=["journey", "number"], name="version_unique_number")]

    def __str__(self):
        return f"{self.journey} v{self.number}"


class Enrollment(models.Model):
    """One customer's pass through a journey: where they are and when they next need work.

    The engine is the only writer. `due_at` is when a tick must look at the row: now for a
    customer moving on, the end of a wait, or a wait-for-event's timeout. While waiting,
    `due_port` is the port taken when due_at comes and `waiting_for` the event that would
    end the wait early through `event_port`; `wake_port` is set when that event arrived.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        EXITED = "exited"
        ERRORED = "errored"

    id = models.BigAutoField(primary_key=True)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    version = models.ForeignKey(JourneyVersion, on_delete=models.PROTECT, related_name="enrollments")
    customer = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="enrollments")
    node_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # False for journeys that allow re-entry at any time, so a customer may be inside twice.
    exclusive = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)
    due_port = models.CharField(max_length=64, blank=True)
    waiting_for = models.CharField(max_length=255, blank=True)
    event_port = models.CharField(max_length=64, blank=True)
    wake_port = models.CharField(max_length=64, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="Trigger event, API payload, visits, variants.")
    exit_reason = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    entered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "customer"],
                condition=Q(status="active", exclusive=True),
                name="enrollment_one_active_per_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="active", due_at__isnull=False), name="enrollment_due"),
            models.Index(
                fields=["customer", "waiting_for"],
                condition=Q(status="active") & ~Q(waiting_for=""),
                name="enrollment_waiting_for_event",
            ),
            models.Index(fields=["journey", "node_id"], condition=Q(status="active"), name="enrollment_at_node"),
            models.Index(fields=["customer", "journey"], name="enrollment_customer_journey"),
        ]

    def __str__(self):
        return f"{self.customer} in {self.journey} at {self.node_id}"


class Step(models.Model):
    """Append-only log of every move, with a human-readable reason: why a customer went where.

    Partitioned by month of `at` (journeys.retention); the primary key in the database is
    (id, at). Django's cascades still apply; the database keeps no foreign key (see Event).
    """

    id = models.BigAutoField(primary_key=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="steps", db_constraint=False)
    # Not indexed: every step pays for each index, and per-journey figures come from NodeStat.
    journey_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    node_id = models.CharField(max_length=64)
    port = models.CharField(max_length=64, blank=True, help_text="The port taken out of the node, if any.")
    action = models.CharField(max_length=16)  # entered, passed, waiting, exited, errored, converted
    reason = models.CharField(max_length=500)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer_id", "id"], name="step_customer")]

    def __str__(self):
        return f"{self.node_id}: {self.reason}"


class NodeStat(models.Model):
    """Per-node counters, bumped in the same transaction as the steps they count.

    Flow counters (entered, passed:<port>, exited, converted, errored) are kept per hour so
    a time range can be read without the step log; `waiting` is a gauge kept in the
    `GAUGE_HOUR` row. Each writer adds to its own `shard`, so concurrent workers do not queue
    on the same row; readers sum the shards. Partitioned by month of `hour`; the gauges live in
    a partition of their own that retention never drops.
    """

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="node_stats", db_constraint=False)
    node_id = models.CharField(max_length=64)
    metric = models.CharField(max_length=80)
    hour = models.DateTimeField()
    shard = models.SmallIntegerField(default=0)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journey", "node_id", "metric", "hour", "shard"], name="nodestat_key"),
        ]
        # The recent hours of a journey (time ranges, and what NodeStatTotal does not cover yet)
        # without walking its whole history in the key's (journey, node, metric, hour) order.
        indexes = [models.Index(fields=["journey", "hour"], name="nodestat_journey_hour")]

    def __str__(self):
        return f"{self.node_id} {self.metric} = {self.value}"


class NodeStatTotal(models.Model):
    """A node's flow counters summed over every hour before `through`, refreshed by a periodic job.

    All-time figures are this plus the NodeStat rows from `through` on, so reading them costs
    the same for a journey a year old as for one started today. The hourly rows stay as they
    are (reports read them by date range) until retention drops their month; `retired` is the
    part of `value` that came from dropped hours.
    """

    # No index of its own: the unique key starts with the journey.
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="node_stat_totals", db_index=False)
    node_id = models.CharField(max_length=64)
    metric = models.CharField(max_length=80)
    value = models.BigIntegerField()
    retired = models.BigIntegerField(default=0, db_default=0, help_text="Counted in hours retention has dropped.")
    through = models.DateTimeField(help_text="Hours before this one are summed here.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["journey", "node_id", "metric"], name="nodestattotal_key")]

    def __str__(self):
        return f"{self.node_id} {self.metric} = {self.value} before {self.through}"


class SplitAssignment(models.Model):
    """Which variant a customer got at a split node, once per visit (for experiment reports)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="assignments")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="assignments")
    customer_id = models.BigIntegerField()
    node_id = models.CharField(max_length=64)
    visit = models.PositiveIntegerField(default=1)
    variant = models.CharField(max_length=64)
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "node_id", "visit"], name="assignment_once_per_visit"),
        ]
        indexes = [
            models.Index(fields=["journey", "node_id", "assigned_at"], name="assignment_node_time"),
            models.Index(fields=["customer_id"], name="assignment_customer"),  # moved on profile merges
        ]

    def __str__(self):
        return f"{self.node_id}: {self.variant}"


class EngineInbox(models.Model):
    """Events the engine has not looked at yet, written in the ingest transaction.

    A durable hand-over: if the process that ingested an event dies right after committing,
    the event still reaches the engine. Workers claim rows with SKIP LOCKED and delete them.
    """

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = "engine inbox entry"
        verbose_name_plural = "engine inbox"

    def __str__(self):
        return f"event {self.event_id}"
