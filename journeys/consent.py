"""The one writer of consent: every change to a profile's consent states goes through `consent_apply`.

It updates the profile's `consent` column (what delivery and conditions read, in the same row as
the rest of the profile) and appends a `ConsentChange` per channel that actually changed, so "when,
and from where" is always answerable. Setting a state a channel already has writes nothing: a
mobile SDK re-sending `consent_email: true` on every identify does not bury the history.

States and the policy are read through journeys.consent_policy (see there).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from journeys.consent_policy import CONSENT_CHANNELS, SOURCES, STATES, allows, mode_of, parse_state, state_of
from journeys.models import ConsentChange, Customer
from journeys.sql import bulk_cursor

# Trait keys identify calls may carry: {"consent": {"email": true}} or {"consent_email": "subscribed"}.
TRAIT_OBJECT = "consent"
TRAIT_PREFIX = "consent_"


class ConsentError(ValueError):
    pass


@dataclass(frozen=True)
class Change:
    customer_id: int
    channel: str
    previous: str
    state: str


def consent_apply(
    *, changes: list[tuple[int, str, str]], source: str, detail: str = "", at: datetime | None = None
) -> list[Change]:
    """Set (customer id, channel, state) triples in one statement; return the changes made.

    Later triples for the same customer and channel win. `not_asked` removes the channel's state.
    Runs in the caller's transaction (or its own, in autocommit); rows are locked in id order, so
    concurrent writers cannot deadlock.
    """
    if source not in SOURCES:
        raise ConsentError(f"unknown consent source {source!r}")
    latest: dict[tuple[int, str], str] = {}
    for customer_id, channel, state in changes:
        if channel not in CONSENT_CHANNELS:
            raise ConsentError(f"unknown channel {channel!r}; channels with consent are {', '.join(CONSENT_CHANNELS)}")
        if state not in STATES:
            raise ConsentError(f"unknown consent state {state!r}; one of {', '.join(STATES)}")
        latest[(customer_id, channel)] = state
    if not latest:
        return []
    at = at or timezone.now()
    ordered = sorted(latest.items())
    ids = [key[0] for key, _ in ordered]
    channels = [key[1] for key, _ in ordered]
    states = [state for _, state in ordered]
    with bulk_cursor() as cursor:
        cursor.execute(
            "WITH v AS (SELECT * FROM unnest(%b::bigint[], %b::text[], %b::text[])"
            " WITH ORDINALITY AS v(id, ch, st, n)),"
            " locked AS (SELECT c.id, c.consent FROM journeys_customer c"
            "  WHERE c.id IN (SELECT id FROM v) ORDER BY c.id FOR UPDATE),"
            " old AS (SELECT v.id, v.ch, v.st, v.n, CASE l.consent -> v.ch"
            "  WHEN 'true'::jsonb THEN 'subscribed' WHEN 'false'::jsonb THEN 'unsubscribed'"
            "  WHEN '\"subscribed\"'::jsonb THEN 'subscribed' WHEN '\"unsubscribed\"'::jsonb THEN 'unsubscribed'"
            "  ELSE 'not_asked' END AS prev,"
            "  jsonb_typeof(l.consent -> v.ch) = 'boolean' AS legacy"
            "  FROM v JOIN locked l ON l.id = v.id),"
            # A legacy boolean is rewritten even when it means the same state, but logs no change.
            " touched AS (SELECT * FROM old WHERE prev <> st OR legacy),"
            " agg AS (SELECT id, COALESCE(array_agg(ch) FILTER (WHERE st = 'not_asked'), '{}') AS removed,"
            "  COALESCE(jsonb_object_agg(ch, st) FILTER (WHERE st <> 'not_asked'), '{}'::jsonb) AS added"
            "  FROM touched GROUP BY id),"
            " upd AS (UPDATE journeys_customer c SET consent = (c.consent - agg.removed) || agg.added,"
            "  updated_at = %s FROM agg WHERE c.id = agg.id)"
            " INSERT INTO journeys_consentchange (customer_id, channel, state, previous, source, detail, changed_at)"
            " SELECT id, ch, st, prev, %s, %s, %s FROM touched WHERE prev <> st ORDER BY n"
            " RETURNING customer_id, channel, previous, state",
            [ids, channels, states, at, source, detail[:200], at],
        )
        return [Change(*row) for row in cursor.fetchall()]


def consent_set(
    *, customer: Customer, states: dict[str, str], source: str, detail: str = "", at: datetime | None = None
) -> list[Change]:
    """Set one customer's states ({channel: state}); the instance's `consent` is refreshed to match."""
    made = consent_apply(
        changes=[(customer.id, channel, state) for channel, state in states.items()],
        source=source,
        detail=detail,
        at=at,
    )
    customer.refresh_from_db(fields=["consent", "updated_at"])
    return made


def consent_from_traits(traits: dict) -> tuple[dict, dict[str, str]]:
    """Split identify traits into (the traits to store, {channel: state}).

    Accepts `consent: {"email": true | false | "subscribed" | "unsubscribed" | ...}` and flat
    `consent_email: ...`; the flat form wins when both name a channel. Every consent key is
    stripped from the stored traits, readable or not: an unreadable value is dropped rather than
    kept as an attribute that looks like consent but is not.
    """
    if TRAIT_OBJECT not in traits and not any(key.startswith(TRAIT_PREFIX) for key in traits):
        return traits, {}
    kept, states = {}, {}
    nested = traits.get(TRAIT_OBJECT)
    if isinstance(nested, dict):
        for channel, value in nested.items():
            _take(states, channel, value)
    for key, value in traits.items():
        if key == TRAIT_OBJECT:
            continue
        if key.startswith(TRAIT_PREFIX):
            _take(states, key.removeprefix(TRAIT_PREFIX), value)
            continue
        kept[key] = value
    return kept, states


def _take(states: dict[str, str], channel, value) -> None:
    state = parse_state(value)
    if isinstance(channel, str) and channel in CONSENT_CHANNELS and state is not None:
        states[channel] = state


def consent_read(*, customer: Customer) -> dict[str, dict]:
    """Each consent channel's state, when and from where it last changed, and what the policy makes of it."""
    latest = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (channel) channel, changed_at, source, detail FROM journeys_consentchange"
            " WHERE customer_id = %s ORDER BY channel, changed_at DESC, id DESC",
            [customer.id],
        )
        for channel, changed_at, source, detail in cursor.fetchall():
            latest[channel] = {"changed_at": changed_at, "source": source, "detail": detail}
    result = {}
    for channel in CONSENT_CHANNELS:
        state = state_of(customer.consent, channel)
        change = latest.get(channel, {})
        result[channel] = {
            "state": state,
            "policy": mode_of(channel),
            "allows_marketing": allows(customer.consent, channel),
            "changed_at": change.get("changed_at"),
            "source": change.get("source", ""),
            "detail": change.get("detail", ""),
        }
    return result


def consent_history(*, customer: Customer, limit: int = 50) -> list[ConsentChange]:
    return list(ConsentChange.objects.filter(customer=customer).order_by("-changed_at", "-id")[:limit])
