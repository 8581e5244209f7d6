"""Writes around deliveries: unsubscribes, provider callbacks, in-app reads, retries, test sends."""

import hashlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from journeys.consent import consent_apply, consent_set
from journeys.consent_policy import CONSENT_CHANNELS, UNSUBSCRIBED
from journeys.delivery import channels
from journeys.engine import hooks
from journeys.engine.batch import BatchWriter
from journeys.ingest.messages import IncomingMessage
from journeys.ingest.services import events_ingest
from journeys.models import Customer, Delivery, InAppMessage, Source, Suppression

logger = logging.getLogger("journeys.delivery")

CALLBACK_SOURCE_NAME = "Delivery callbacks"
CALLBACK_KINDS = ("delivered", "bounced", "opened", "clicked", "failed", "complained")


class DeliveryError(Exception):
    pass


def _callback_source_id() -> int:
    source = Source.objects.filter(name=CALLBACK_SOURCE_NAME).first()
    if source is None:
        source = Source(name=CALLBACK_SOURCE_NAME)
        source.set_new_write_key()  # never shown: only the platform writes here
        try:
            with transaction.atomic():
                source.save()
        except IntegrityError:  # made by a concurrent callback meanwhile
            source = Source.objects.get(name=CALLBACK_SOURCE_NAME)
    return source.id


def customer_event_record(*, customer: Customer, name: str, properties: dict, message_id: str, at: datetime) -> bool:
    """Record an event on the customer as ingestion would, so journeys can react to it; False when
    the customer has no identity an event can name, or the same message id was recorded before."""
    user_id = customer.external_id
    anonymous_id = None if user_id else customer.anonymous_ids.values_list("anonymous_id", flat=True).first()
    if not (user_id or anonymous_id):
        return False
    message = IncomingMessage(
        index=0,
        type="track",
        message_id=message_id[:255],
        timestamp=at,
        user_id=user_id,
        anonymous_id=anonymous_id,
        name=name,
        properties=properties,
    )
    result = events_ingest(source_id=_callback_source_id(), messages=[message], received_at=timezone.now())
    return result.accepted == 1


def _delivery_properties(delivery: Delivery, **extra) -> dict:
    return {
        "delivery_id": delivery.id,
        "journey_id": delivery.journey_id,
        "node_id": delivery.node_id,
        "channel": delivery.channel,
        **({"template_id": delivery.template_id} if delivery.template_id else {}),
        **extra,
    }


def delivery_unsubscribe(*, delivery: Delivery, scope: str = Suppression.Scope.MARKETING, reason: str) -> bool:
    """Stop marketing (or all) messages on the delivery's channel for its customer; False if already so.

    Marketing unsubscribes also withdraw the channel's consent on the profile, so audiences and
    consent conditions see it at once.
    """
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(id=delivery.customer_id)
        created = opt_out(customer, delivery.channel, scope, reason, delivery=delivery)
    if created:
        name = f"{channels.label(delivery.channel)} Unsubscribed"
        customer_event_record(
            customer=customer,
            name=name,
            properties=_delivery_properties(delivery, scope=scope, reason=reason[:200]),
            message_id=f"cjo-delivery-{delivery.id}-unsubscribed-{scope}",
            at=now,
        )
    return created


def opt_out(
    customer: Customer,
    channel: str,
    scope: str,
    reason: str,
    *,
    delivery: Delivery | None = None,
    source: str = "unsubscribe_link",
) -> bool:
    """Suppress the channel for the customer and set it unsubscribed; False if the suppression existed."""
    _, created = Suppression.objects.get_or_create(
        customer=customer, channel=channel, scope=scope, defaults={"reason": reason[:200], "delivery": delivery}
    )
    if channels.needs_consent(channel) and channel in CONSENT_CHANNELS:
        consent_set(customer=customer, states={channel: UNSUBSCRIBED}, source=source, detail=reason)
    return created


def delivery_callback(*, delivery_id: int, kind: str, at: datetime | None = None, **details) -> bool:
    """A provider's status report (delivered, bounced, opened, clicked, failed, complained) on a delivery;
    False when there is no such delivery.

    Updates the row's status and timestamps, suppresses addresses that hard-bounced or
    complained, and records an event on the customer ("Email Opened", "SMS Delivered"...).
    """
    if kind not in CALLBACK_KINDS:
        raise DeliveryError(f"unknown callback {kind!r}; one of {', '.join(CALLBACK_KINDS)}")
    at = at or timezone.now()
    fields: dict = {}
    with transaction.atomic():
        # Read here, under the lock, so callers pass only the id and the row is not fetched twice.
        row = Delivery.objects.select_for_update().filter(id=delivery_id).first()
        if row is None:
            return False
        if kind == "delivered" and row.status in (Delivery.Status.SENT, Delivery.Status.SENDING):
            fields = {"status": Delivery.Status.DELIVERED, "delivered_at": at}
        elif kind == "bounced":
            fields = {"status": Delivery.Status.BOUNCED, "bounced_at": at, "error": _detail(details, "bounce")}
        elif kind == "failed":
            fields = {"status": Delivery.Status.FAILED, "error": _detail(details, "the provider could not deliver")}
        elif kind == "opened" and row.opened_at is None:
            fields = {"opened_at": at}
        elif kind == "clicked":
            fields = {"clicked_at": row.clicked_at or at, "opened_at": row.opened_at or at}
        counted = _outcome_metrics(row, fields)
        for name, value in fields.items():
            setattr(row, name, value)
        if fields:
            row.save(update_fields=list(fields))
        if counted:
            # Bumped with the row's change, so a repeated callback (which changes nothing) counts nothing.
            writer = BatchWriter(timezone.now())
            for metric in counted:
                writer.count(row.journey_id, row.node_id, metric)
            writer.flush()
    hard = kind == "complained" or (kind == "bounced" and details.get("bounce_type", "hard") != "soft")
    if hard:
        Suppression.objects.get_or_create(
            customer_id=row.customer_id,
            channel=row.channel,
            scope=Suppression.Scope.ALL if kind == "bounced" else Suppression.Scope.MARKETING,
            defaults={"reason": f"provider reported {kind}", "delivery": row},
        )
    if kind == "complained" and row.channel in CONSENT_CHANNELS:
        # A spam report is the plainest "no" there is: the channel is unsubscribed, not only suppressed.
        with transaction.atomic():
            consent_apply(
                changes=[(row.customer_id, row.channel, UNSUBSCRIBED)], source="provider", detail="spam complaint"
            )
    properties = _delivery_properties(row)
    if details.get("url"):
        properties["url"] = str(details["url"])[:2000]
    name = f"{channels.label(row.channel)} {kind.capitalize()}"
    # One event per kind and delivery (clicks: per link), however often the provider repeats itself.
    suffix = "-" + hashlib.sha256(properties.get("url", "").encode()).hexdigest()[:16] if kind == "clicked" else ""
    message_id = f"cjo-delivery-{row.id}-{kind}{suffix}"
    customer_event_record(customer=row.customer, name=name, properties=properties, message_id=message_id, at=at)
    return True


def _outcome_metrics(row: Delivery, fields: dict) -> list[str]:
    """The message-outcome counters a callback's field changes add to (each at most once per delivery)."""
    metrics = []
    if fields.get("status") == Delivery.Status.DELIVERED and row.delivered_at is None:
        metrics.append("delivery:delivered")
    if fields.get("status") == Delivery.Status.BOUNCED and row.status != Delivery.Status.BOUNCED:
        metrics.append("delivery:bounced")
    if fields.get("status") == Delivery.Status.FAILED and row.status != Delivery.Status.FAILED:
        metrics.append("delivery:failed")
    if fields.get("opened_at") and row.opened_at is None:
        metrics.append("delivery:opened")
    if fields.get("clicked_at") and row.clicked_at is None:
        metrics.append("delivery:clicked")
    return metrics


def _detail(details: dict, default: str) -> str:
    return str(details.get("error") or details.get("reason") or default)[:2000]


def deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Queue failed deliveries again, now, with a fresh set of attempts; return how many."""
    with transaction.atomic():
        count = Delivery.objects.filter(id__in=delivery_ids, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED, not_before=timezone.now(), attempts=0, error="", finished_at=None
        )
        if count:
            hooks.deliveries_queued()  # delivered to the loops when this commits
    return count


def in_app_mark(*, message: InAppMessage, read: bool = False, dismissed: bool = False) -> InAppMessage:
    now = timezone.now()
    fields = []
    if read and message.read_at is None:
        message.read_at = now
        fields.append("read_at")
    if dismissed and message.dismissed_at is None:
        message.dismissed_at = now
        message.read_at = message.read_at or now
        fields += ["dismissed_at", "read_at"]
    if fields:
        message.save(update_fields=sorted(set(fields)))
        if message.delivery_id and read:
            delivery_callback(delivery_id=message.delivery_id, kind="opened", at=now)
    return message
