"""Privacy requests (export, delete, anonymise) and the suppression list deletions leave behind.

None of these rows holds the personal data a request concerns: a request names its customer
by the internal profile number (meaningless once the profile is gone) and a keyed hash of the
external id; suppressions are keyed hashes only, so the list cannot be read back into names,
emails or phone numbers, yet an incoming identifier can be checked against it.
"""

from django.conf import settings as django_settings
from django.db import models


class InstallKey(models.Model):
    """The secret the suppression hashes are keyed with, kept in the database so it never changes.

    A key from settings could be rotated, and every suppression would silently stop matching.
    """

    key = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"install key of {self.created_at:%Y-%m-%d}"


class PrivacyRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", "Export everything held"
        DELETE = "delete", "Delete and suppress"
        ANONYMISE = "anonymise", "Anonymise"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    customer_number = models.BigIntegerField(help_text="The profile's internal number (not an identifier).")
    subject_hash = models.CharField(max_length=64, help_text="Keyed hash of the external id, to find a request again.")
    requested_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, help_text="A ticket number or reference; no personal data.")
    counts = models.JSONField(default=dict, blank=True, help_text="Rows exported, erased or anonymised, per kind.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_hash"], name="privacy_request_subject")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class PrivacyExport(models.Model):
    """An export's document, downloadable by Admins until it expires (then deleted)."""

    request = models.OneToOneField(PrivacyRequest, on_delete=models.CASCADE, related_name="export")
    document = models.JSONField()
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"export of request #{self.request_id}"


class SuppressedIdentity(models.Model):
    """An identifier of a deleted customer: events naming it are dropped, imports skip it."""

    class Kind(models.TextChoices):
        USER_ID = "user_id"
        ANONYMOUS_ID = "anonymous_id"
        EMAIL = "email"
        PHONE = "phone"

    digest = models.CharField(max_length=64, primary_key=True, help_text="Keyed hash of kind and identifier.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    request = models.ForeignKey(PrivacyRequest, null=True, on_delete=models.SET_NULL, related_name="+")
    dropped_events = models.BigIntegerField(default=0, help_text="Messages naming it dropped since.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "suppressed identities"

    def __str__(self):
        return f"{self.kind} {self.digest[:12]}…"
