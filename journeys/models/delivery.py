"""Message delivery: the deliveries (outbox and log), templates, suppressions (unsubscribes, bounces),
in-app inboxes, send-rate state."""

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

MESSAGE_CHANNELS = ("email", "sms", "webhook", "in_app")


class MessageTemplate(models.Model):
    """Reusable content for one channel, personalised with Django template syntax at send time.

    Which parts are used depends on the channel: email uses subject, html and text; SMS uses
    body; in-app uses title and body; a webhook uses webhook_body (JSON whose strings are
    templates).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        WEBHOOK = "webhook", "Webhook"
        IN_APP = "in_app", "In-app"

    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    description = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="Email subject, or in-app title.")
    html = models.TextField(blank=True, max_length=200_000, help_text="Email HTML part (autoescaped).")
    text = models.TextField(
        blank=True, max_length=100_000, help_text="Email plain-text part; made from the HTML when empty."
    )
    body = models.TextField(blank=True, max_length=5_000, help_text="SMS or in-app message body.")
    webhook_body = models.JSONField(
        default=dict, blank=True, help_text="JSON to POST; every string in it is a template."
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["channel", "name"], name="template_channel_name")]

    def __str__(self):
        return f"{self.name} ({self.get_channel_display()})"


class Suppression(models.Model):
    """A customer who must not get messages on a channel: an unsubscribe, a complaint or a bounce.

    `marketing` stops marketing messages only; `all` also stops transactional ones (a
    customer who opted out of everything, or an address that hard-bounced).
    """

    class Scope(models.TextChoices):
        MARKETING = "marketing", "Marketing messages"
        ALL = "all", "All messages, transactional too"

    customer = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="suppressions")
    channel = models.CharField(max_length=16)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    reason = models.CharField(max_length=200, help_text="Unsubscribe link, one-click header, bounce, admin...")
    # No database constraint: deliveries are partitioned (retention nulls this before a drop).
    delivery = models.ForeignKey(
        "journeys.Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel", "scope"], name="suppression_once_per_scope"),
        ]

    def __str__(self):
        return f"{self.customer} off {self.channel} ({self.scope})"


class InAppMessage(models.Model):
    """A message waiting in a customer's in-app inbox, fetched by their app through /v1/in-app/."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="in_app_messages")
    # No database constraint: deliveries are partitioned (retention nulls this before a drop).
    delivery = models.OneToOneField(
        "journeys.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="in_app_message",
        db_constraint=False,
    )
    title = models.CharField(max_length=300)
    body = models.TextField(max_length=5_000)
    url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "in-app message"
        indexes = [
            models.Index(fields=["customer", "-id"], condition=Q(dismissed_at__isnull=True), name="inapp_inbox"),
        ]

    def __str__(self):
        return self.title


class ChannelThrottle(models.Model):
    """Send-rate state of one channel, shared by every worker: the theoretical arrival time (GCRA).

    A worker reserving n sends moves `tat` forward by n / rate; sends whose slot lies beyond
    the burst window wait for a later batch.
    """

    channel = models.CharField(max_length=16, primary_key=True)
    tat = models.DateTimeField()

    def __str__(self):
        return f"{self.channel} until {self.tat}"


class Delivery(models.Model):
    """A message to send: the outbox, and afterwards the delivery log.

    The engine inserts queued rows, unique per (enrollment, node, visit), so a re-run tick
    cannot duplicate one. Delivery workers claim due rows (status `sending` with a lease),
    check consent, caps, quiet hours and rate limits, render and send, then mark the outcome.
    A row whose lease ran out (its worker died) is sent again with the same idempotency key.

    Partitioned by month of `created_at` (journeys.retention); the database's primary key is
    (id, created_at) and it keeps no foreign keys (see Event). Once per (enrollment, node,
    visit) cannot be a unique key across months: the engine checks it under the enrollment's
    row lock instead (engine.batch).
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        DELIVERED = "delivered"
        FAILED = "failed"
        SKIPPED = "skipped"
        BOUNCED = "bounced"

    id = models.BigAutoField(primary_key=True)
    enrollment = models.ForeignKey(
        "journeys.Enrollment", on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    journey = models.ForeignKey(
        "journeys.Journey", on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    version = models.ForeignKey(
        "journeys.JourneyVersion", on_delete=models.PROTECT, related_name="deliveries", db_constraint=False
    )
    customer = models.ForeignKey(
        "journeys.Customer", on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    node_id = models.CharField(max_length=64)
    visit = models.PositiveIntegerField(default=1)
    channel = models.CharField(max_length=16)
    payload = models.JSONField(default=dict, help_text="The node's message settings when the customer reached it.")
    template = models.ForeignKey(
        "journeys.MessageTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_constraint=False,
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(
        max_length=32, blank=True, db_default="", default="", help_text="consent, unsubscribed, capped, no_address..."
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    recipient = models.CharField(max_length=2000, blank=True, db_default="", default="")
    provider_message_id = models.CharField(max_length=255, blank=True, db_default="", default="")
    rendered = models.JSONField(null=True, blank=True, help_text="What was sent: the rendered parts.")
    created_at = models.DateTimeField()
    # When a worker may next pick the row up: now, after quiet hours, a frequency cap or a retry backoff.
    not_before = models.DateTimeField(db_default=Now())
    # While `sending`: the worker's claim. Past it, the worker is presumed dead and the row is sent again.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it was sent, failed or skipped.")

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["enrollment", "node_id", "visit"], name="delivery_visit"),
            models.Index(fields=["not_before"], condition=Q(status="queued"), name="delivery_due"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="delivery_leased"),
            # Frequency caps count a customer's recent sends on a channel across journeys.
            models.Index(fields=["customer", "channel", "sent_at"], name="delivery_customer_recent"),
            models.Index(
                fields=["provider_message_id"], condition=~Q(provider_message_id=""), name="delivery_provider_id"
            ),
        ]

    def __str__(self):
        return f"{self.channel} to {self.customer} ({self.status})"


def idempotency_key(delivery_id: int) -> str:
    """The key sent with every attempt of one delivery, so a provider can drop repeats."""
    return f"cjo-delivery-{delivery_id}"
