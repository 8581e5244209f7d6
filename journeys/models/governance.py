"""Governance: the append-only audit log, review requests before publishing, in-app notifications."""

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from knox.models import AuthToken


class AuditEntry(models.Model):
    """One change that matters: who, when, what (object and diff), from where.

    The table is created in SQL by migration 0019 (not by Django): triggers refuse every UPDATE,
    DELETE and TRUNCATE, an INSERT trigger stamps `at` with the database clock, and only the
    SECURITY DEFINER function `journeys_audit_purge` removes rows older than the retention.
    Unmanaged, so Django's test flush and `migrate` never try to alter or empty it.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_default=models.functions.Now())
    # No foreign key: an entry outlives the user it names, so the name is copied into `actor`.
    actor_id = models.IntegerField(null=True)
    actor = models.CharField(max_length=200, blank=True, help_text="User name, or 'system:<reason>'.")
    token = models.CharField(max_length=32, blank=True, help_text="The API token's first characters, if one was used.")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    diff = models.JSONField(default=dict)
    ip = models.GenericIPAddressField(null=True)
    interface = models.CharField(max_length=16, blank=True, help_text="web, api, admin, command or system.")

    class Meta:
        managed = False
        db_table = "journeys_auditentry"
        ordering = ["-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id} by {self.actor or 'system'}"


class JourneyReviewPolicy(models.Model):
    """An Admin's per-journey override of the install-wide APPROVAL_REQUIRED (absent: the install's rule)."""

    journey = models.OneToOneField("journeys.Journey", on_delete=models.CASCADE, related_name="review_policy")
    approval_required = models.BooleanField()
    updated_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.journey}: approval {'required' if self.approval_required else 'not required'}"


class ReviewRequest(models.Model):
    """A draft submitted for review, frozen as it was submitted: the graph and settings reviewers decide on."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"
        PUBLISHED = "published"

    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="review_requests")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    graph = models.JSONField()
    settings = models.JSONField(default=dict)
    base_version = models.ForeignKey(
        "journeys.JourneyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One open review per journey: the lock on the draft is this row.
            models.UniqueConstraint(
                fields=["journey"], condition=Q(status="pending"), name="one_pending_review_per_journey"
            ),
        ]

    def __str__(self):
        return f"review {self.pk} of {self.journey_id} ({self.status})"


class ReviewComment(models.Model):
    review = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"comment {self.pk} on review {self.review_id}"


class Notification(models.Model):
    """A message in a person's in-app bell: a review requested, approved, rejected or commented."""

    recipient = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="governance_notifications"
    )
    kind = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    journey = models.ForeignKey("journeys.Journey", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(ReviewRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.message


# How much of an API token's key the admin and the audit log show: as many characters as a write
# key's prefix, enough to tell keys apart.
TOKEN_KEY_SHOWN = 8


def token_key_shown(token) -> str:
    """The first characters of the key of a token (knox's AuthToken or the ApiToken proxy)."""
    return token.token_key[:TOKEN_KEY_SHOWN]


class ApiToken(AuthToken):
    """An integration's API token: django-rest-knox's, which stores a SHA-512 digest of the key and
    its first 15 characters, never the key. A proxy, so the admin and the audit log can name a token
    without its digest."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self):
        return f"API token of {self.user}" if self.user_id else "API token"
