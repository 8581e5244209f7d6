"""Who the customers are and what they did: sources, profiles, identities and events."""

import hashlib
import secrets
import zoneinfo
from functools import cache

from django.contrib.postgres.indexes import BrinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

CHANNELS = ("email", "sms", "push", "in_app")


def hash_write_key(write_key: str) -> str:
    return hashlib.sha256(write_key.encode()).hexdigest()


class Source(models.Model):
    """A named origin of events (a website, an app, a backend), authenticated by its write key.

    Only a hash of the key is stored: the key itself is shown once, when it is made.
    """

    name = models.CharField(max_length=100, unique=True)
    write_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    write_key_prefix = models.CharField(
        max_length=8, editable=False, help_text="The first characters of the write key, to tell keys apart."
    )
    is_active = models.BooleanField(default=True, help_text="Inactive sources get 401 on ingestion.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def set_new_write_key(self) -> str:
        """Give the source a fresh random write key and return it (the only time it is readable)."""
        write_key = secrets.token_urlsafe(24)
        self.set_write_key(write_key)
        return write_key

    def set_write_key(self, write_key: str) -> None:
        self.write_key_hash = hash_write_key(write_key)
        self.write_key_prefix = write_key[:8]


@cache
def timezone_names() -> frozenset[str]:
    # available_timezones() reads the tz database from disk on every call.
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value and value not in timezone_names():
        raise ValidationError(f"{value!r} is not an IANA time zone name such as Europe/Paris")


def validate_consent(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Consent must be an object mapping a channel to "subscribed" or "unsubscribed"')
    for channel, state in value.items():
        if channel not in CHANNELS:
            raise ValidationError(f"Unknown channel {channel!r}; channels are {', '.join(CHANNELS)}")
        # Booleans are the states' former spelling, still read as subscribed/unsubscribed.
        if state not in ("subscribed", "unsubscribed") and not isinstance(state, bool):
            raise ValidationError(f'Consent for {channel} must be "subscribed" or "unsubscribed"')


class Customer(models.Model):
    """One person's profile. Anonymous until an event names their `userId` (external_id)."""

    external_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True, help_text="The userId your systems know them by."
    )
    email = models.EmailField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    attributes = models.JSONField(default=dict, blank=True, help_text="Traits, merged from identify calls.")
    consent = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_consent],
        help_text='Per channel: {"email": "subscribed", "sms": "unsubscribed"}. A channel not listed was not asked;'
        " CONSENT_POLICY says what that means. Written only by journeys.consent, which also logs each change.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The profile search finds customers by email in any case and by phone.
            models.Index(Upper("email"), name="customer_email_upper"),
            models.Index(fields=["phone"], name="customer_phone"),
        ]

    def __str__(self):
        return self.external_id or self.email or f"anonymous #{self.pk}"

    @property
    def is_anonymous(self) -> bool:
        return self.external_id is None


class ConsentChange(models.Model):
    """One change of a customer's consent on one channel: when, to what, and where it came from. Append-only.

    The profile's `consent` column holds the current states (what delivery reads); this log answers
    "since when, and who said so" without slowing that read.
    """

    class Source(models.TextChoices):
        SDK = "sdk", "SDK"
        API = "api", "API"
        IMPORT = "import", "CSV import"
        ADMIN = "admin"
        UNSUBSCRIBE_LINK = "unsubscribe_link", "unsubscribe link"
        PROVIDER = "provider", "provider (STOP, bounce, complaint)"
        MIGRATION = "migration", "converted from true/false"

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_changes")
    channel = models.CharField(max_length=16)
    state = models.CharField(max_length=16, help_text="subscribed, unsubscribed or not_asked")
    previous = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="Who or what, e.g. the admin user or the file.")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "-changed_at"], name="consentchange_latest")]

    def __str__(self):
        return f"{self.channel} {self.previous or 'not_asked'} -> {self.state} ({self.source})"


class AnonymousId(models.Model):
    """An `anonymousId` seen in events, and the customer it belongs to.

    The primary key makes each anonymous id belong to exactly one customer, which is what
    keeps concurrent first sightings of the same id from creating two profiles.
    """

    anonymous_id = models.CharField(max_length=255, primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="anonymous_ids")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "anonymous id"

    def __str__(self):
        return self.anonymous_id


class Event(models.Model):
    """One Segment-style message, as received. Append-only.

    `name` holds the event name for track, the page or screen name for page and screen, the
    groupId for group and the previousId for alias. `properties` holds properties, or traits
    for identify and group.

    Partitioned by month of `received_at` (journeys.retention), so old months are dropped whole.
    The database's primary key is (id, received_at), and it keeps no foreign keys: a dropped
    partition would otherwise have to lock the customers table. Django's cascades still apply,
    and raw deletes (privacy, merges) name this table themselves. Duplicate message ids are
    refused by EventReceipt, since a unique key here would have to include the month.
    """

    class Type(models.TextChoices):
        TRACK = "track"
        IDENTIFY = "identify"
        PAGE = "page"
        SCREEN = "screen"
        GROUP = "group"
        ALIAS = "alias"

    id = models.BigAutoField(primary_key=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events", db_constraint=False)
    # No index of its own: event_customer_time starts with the customer, and every event pays for each index.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", db_constraint=False, db_index=False
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    name = models.CharField(max_length=255, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255)
    timestamp = models.DateTimeField(help_text="When it happened, corrected for the sender's clock skew.")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["customer", "timestamp"], name="event_customer_time"),
            models.Index(fields=["name", "timestamp"], name="event_name_time"),
        ]

    def __str__(self):
        return f"{self.type} {self.name}".strip()


class EventReceipt(models.Model):
    """A message id seen from a source, kept EVENT_DEDUPE_DAYS so a resent message is stored once."""

    pk = models.CompositePrimaryKey("source_id", "message_id")
    source_id = models.BigIntegerField()
    message_id = models.CharField(max_length=255)
    received_at = models.DateTimeField()

    class Meta:
        # Rows arrive in time order, so a block range index finds the expired ones cheaply.
        indexes = [BrinIndex(fields=["received_at"], name="eventreceipt_received_brin")]

    def __str__(self):
        return f"{self.source_id}/{self.message_id}"


class EventName(models.Model):
    """Every distinct `track` event name seen, for the canvas's event pickers.

    Kept by ingestion (insert-if-new), so suggesting names never scans the event table.
    """

    name = models.CharField(max_length=255, primary_key=True)
    first_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        # Migration 0010 also adds `eventname_upper_prefix` on upper(name) text_pattern_ops, for
        # case-insensitive prefix search (`istartswith`); Django's OpClass cannot express it here.

    def __str__(self):
        return self.name
