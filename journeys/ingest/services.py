"""Writing a request's messages: profiles resolved, traits merged, events stored, engine woken."""

import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.db import IntegrityError, OperationalError, transaction

from journeys.consent import consent_apply, consent_from_traits
from journeys.engine import hooks as engine_hooks
from journeys.ingest.identity import customers_resolve
from journeys.ingest.messages import IncomingMessage
from journeys.models.customers import timezone_names
from journeys.privacy.suppression import drop_suppressed
from journeys.sql import bulk_cursor, json_text

logger = logging.getLogger(__name__)

# A concurrent merge or privacy delete can remove a profile this batch resolved a moment ago,
# and two batches linking the same identities can deadlock; both are retried.
ATTEMPTS = 3


class ProfileGone(Exception):
    """A profile this batch resolved was merged away or deleted before its events were stored."""


@dataclass
class IngestResult:
    accepted: int
    duplicates: int
    event_ids: list[int]
    suppressed: int = 0  # dropped, and counted in accepted or duplicates (docs/privacy.md)


def events_ingest(*, source_id: int, messages: list[IncomingMessage], received_at: datetime) -> IngestResult:
    """Store valid messages in one transaction; after it commits, hand the new events to the engine.

    Events whose (source, messageId) is already stored are dropped as duplicates.

    Messages naming a deleted customer are dropped too, but counted as if they had been stored:
    a write key ships inside web pages and apps, and a different answer would tell its holder
    that someone asked to be erased. Their message ids are recorded like any other, so sending
    one again is a duplicate in the answer, as it would be for a stored event.
    """
    messages, dropped = drop_suppressed(messages)
    if dropped:
        fresh = _receive_only(source_id, dropped, received_at)
        suppressed_result = IngestResult(
            accepted=fresh, duplicates=len(dropped) - fresh, event_ids=[], suppressed=len(dropped)
        )
    else:
        suppressed_result = IngestResult(accepted=0, duplicates=0, event_ids=[])
    if not messages:
        return suppressed_result
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                customer_ids = customers_resolve(messages)
                _hold_profiles(customer_ids)
                _apply_traits(messages, customer_ids, now=received_at)
                event_ids = _insert_events(source_id, messages, customer_ids, received_at)
                _record_event_names(messages, received_at)
                transaction.on_commit(lambda ids=event_ids: engine_hooks.events_ingested(event_ids=ids))
            break
        except (
            ProfileGone,
            IntegrityError,
            OperationalError,
            psycopg.IntegrityError,
            psycopg.OperationalError,
        ) as error:
            if attempt == ATTEMPTS or not (isinstance(error, ProfileGone) or _is_retryable(error)):
                raise
            logger.info("ingest attempt %s failed (%s); retrying", attempt, error.__class__.__name__)
    return IngestResult(
        accepted=len(event_ids) + suppressed_result.accepted,
        duplicates=len(messages) - len(event_ids) + suppressed_result.duplicates,
        event_ids=event_ids,
        suppressed=suppressed_result.suppressed,
    )


def _receive_only(source_id: int, messages: list[IncomingMessage], received_at: datetime) -> int:
    """Record these messages' ids as received without storing them; how many were new."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_eventreceipt (source_id, message_id, received_at)"
            " SELECT DISTINCT %s, m, %s::timestamptz FROM unnest(%b::text[]) AS m ON CONFLICT DO NOTHING",
            [source_id, received_at, [message.message_id for message in messages]],
        )
        return cursor.rowcount


def _is_retryable(error: Exception) -> bool:
    sqlstate = getattr(error, "sqlstate", None) or getattr(error.__cause__, "sqlstate", None)
    # 23503 foreign key violation, 23505 unique violation, 40P01 deadlock, 40001 serialization
    return sqlstate in {"23503", "23505", "40P01", "40001"}


def _hold_profiles(customer_ids: list[int]) -> None:
    """Lock the batch's profiles against deletion until it commits, as a foreign key would.

    The event log keeps no foreign key (it is partitioned by month, journeys.retention). A merge
    or privacy delete locks the profile first: if it got there before us, the row is gone once
    we have waited for it, and the batch is resolved again; if we got here first, it waits and
    then sees (and moves or deletes) our events.
    """
    wanted = sorted(set(customer_ids))
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT id FROM journeys_customer WHERE id = ANY(%b::bigint[])"
            " ORDER BY id FOR KEY SHARE) AS held",
            [wanted],
        )
        if cursor.fetchone()[0] != len(wanted):
            raise ProfileGone()


def _insert_events(source_id: int, messages: list[IncomingMessage], customer_ids: list[int], received_at) -> list[int]:
    """Store the events that are not duplicates and queue them for the engine; return their ids.

    The engine inbox row is written in this transaction, so no event is lost if this process dies,
    and by the same statement: one round trip fewer per request.

    A message id is a duplicate if its source sent it within EVENT_DEDUPE_DAYS (EventReceipt), or
    earlier in the same request. A concurrent request with the same id waits on the receipt's key
    and stores nothing once the first commits.
    """
    with bulk_cursor() as cursor:
        cursor.execute(
            "WITH v AS (SELECT DISTINCT ON (m) * FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[],"
            " %b::text[], %b::text[], %b::timestamptz[]) WITH ORDINALITY AS v(c, t, n, p, x, m, ts, o) ORDER BY m, o),"
            " fresh AS (INSERT INTO journeys_eventreceipt (source_id, message_id, received_at)"
            " SELECT %s, m, %s FROM v ON CONFLICT DO NOTHING RETURNING message_id),"
            " stored AS (INSERT INTO journeys_event"
            " (source_id, customer_id, type, name, properties, context, message_id, timestamp, received_at)"
            " SELECT %s, c, t, n, p::jsonb, x::jsonb, m, ts, %s FROM v JOIN fresh ON fresh.message_id = v.m"
            " ORDER BY o RETURNING id),"
            " queued AS (INSERT INTO journeys_engineinbox (event_id) SELECT id FROM stored)"
            " SELECT id FROM stored ORDER BY id",
            [
                customer_ids,
                [m.type for m in messages],
                [m.name for m in messages],
                [json_text(m.properties) for m in messages],
                [json_text(m.context) for m in messages],
                [m.message_id for m in messages],
                [m.timestamp for m in messages],
                source_id,
                received_at,
                source_id,
                received_at,
            ],
        )
        return [row[0] for row in cursor.fetchall()]


# Event names this process has already stored: most requests carry only known names, and then
# cost no statement at all. Bounded, because names are free text from SDKs.
_known_event_names: set[str] = set()
KNOWN_EVENT_NAMES_MAX = 10_000


def _record_event_names(messages: list[IncomingMessage], received_at) -> None:
    """Remember track event names for the canvas's pickers."""
    names = sorted({m.name for m in messages if m.type == "track" and m.name} - _known_event_names)
    if not names:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_eventname (name, first_seen_at) SELECT unnest(%b::text[]), %s ON CONFLICT DO NOTHING",
            [names, received_at],
        )
    if len(_known_event_names) + len(names) > KNOWN_EVENT_NAMES_MAX:
        _known_event_names.clear()
    # Only once committed: a rolled-back request must not make the name look stored.
    transaction.on_commit(lambda: _known_event_names.update(names))


def _apply_traits(messages: list[IncomingMessage], customer_ids: list[int], *, now: datetime) -> None:
    """Merge identify traits into profiles, later messages winning, in one UPDATE."""
    traits_by_customer: dict[int, dict] = {}
    consent_changes: list[tuple[int, str, str]] = []
    for message, customer_id in zip(messages, customer_ids, strict=True):
        if message.type != "identify":
            continue
        # Consent traits set the profile's consent states (with their history), not attributes.
        stored, states = consent_from_traits(message.traits)
        consent_changes += [(customer_id, channel, state) for channel, state in states.items()]
        traits = traits_by_customer.setdefault(customer_id, {})
        traits.update(stored)
        timezone_name = message.context.get("timezone")
        if isinstance(timezone_name, str) and "timezone" not in message.traits:
            traits["timezone"] = timezone_name
    if consent_changes:
        consent_apply(changes=consent_changes, source="sdk", at=now)
    if not traits_by_customer:
        return
    rows = [(customer_id, *_profile_fields(traits)) for customer_id, traits in sorted(traits_by_customer.items())]
    with bulk_cursor() as cursor:
        cursor.execute(
            "UPDATE journeys_customer c SET attributes = c.attributes || v.traits::jsonb,"
            " email = COALESCE(v.email, c.email), phone = COALESCE(v.phone, c.phone),"
            " timezone = COALESCE(v.tz, c.timezone), updated_at = %s"
            " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[])"
            " AS v(id, traits, email, phone, tz)"
            " WHERE c.id = v.id",
            [now, *map(list, zip(*rows, strict=True))],
        )


def _profile_fields(traits: dict) -> tuple[str, str | None, str | None, str | None]:
    """The traits as JSON, and the ones that also fill profile columns (None leaves a column as is)."""
    email, phone, tz = traits.get("email"), traits.get("phone"), traits.get("timezone")
    return (
        json_text(traits),
        email if isinstance(email, str) and "@" in email and len(email) <= 254 else None,
        phone if isinstance(phone, str) and len(phone) <= 32 else None,
        tz if isinstance(tz, str) and tz in timezone_names() else None,
    )
