"""The suppression list: keyed hashes of a deleted customer's identifiers, checked on the way in.

An identifier is hashed with HMAC-SHA256 under the install's own key (InstallKey, made once and
kept in the database), together with its kind, so the list holds nothing that can be read back
and an identifier shared by two kinds (a userId that looks like an email) never collides.
Emails are compared without case and surrounding spaces, phones by their digits and a leading +.
"""

import hashlib
import hmac
import re
import secrets
from collections import Counter
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import F

from journeys.models import InstallKey, SuppressedIdentity

Kind = SuppressedIdentity.Kind
ADVISORY_LOCK = 0x5052_4956  # "PRIV": serialises making the install key


@lru_cache(maxsize=1)
def _install_key() -> bytes:
    with transaction.atomic():
        # Two processes meeting an empty table must not each make a key of their own.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        key = InstallKey.objects.order_by("id").first()
        if key is None:
            key = InstallKey.objects.create(key=secrets.token_urlsafe(48))
    return key.key.encode()


def clear_key_cache() -> None:
    """Forget the cached key (tests start from an empty database)."""
    _install_key.cache_clear()


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == Kind.EMAIL:
        return value.lower()
    if kind == Kind.PHONE:
        return re.sub(r"[^\d+]", "", value)
    return value


def digest(kind: str, value: str) -> str:
    message = f"{kind}:{normalise(kind, value)}".encode()
    return hmac.new(_install_key(), message, hashlib.sha256).hexdigest()


def identities_suppress(identities: list[tuple[str, str]], *, request_id: int | None) -> int:
    """Add (kind, value) pairs to the list (empty values are skipped); the number of new entries."""
    rows = {
        digest(kind, value): SuppressedIdentity(digest=digest(kind, value), kind=kind, request_id=request_id)
        for kind, value in identities
        if value and value.strip()
    }
    created = SuppressedIdentity.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return len(created)


def message_identities(message) -> list[tuple[str, str]]:
    """The identifiers an incoming message names: userId, anonymousId, an alias's previousId, trait email/phone."""
    found = []
    if message.user_id:
        found.append((Kind.USER_ID, message.user_id))
    for anonymous in (message.anonymous_id, message.previous_id):
        if anonymous:
            found.append((Kind.ANONYMOUS_ID, anonymous))
    for kind, trait in ((Kind.EMAIL, "email"), (Kind.PHONE, "phone")):
        value = (message.traits or {}).get(trait)
        if isinstance(value, str) and value.strip():
            found.append((kind, value))
    return found


def drop_suppressed(messages: list) -> tuple[list, list]:
    """The messages that name no suppressed identifier, and the ones dropped.

    One indexed lookup per batch; each suppressed identifier counts the messages dropped for it.
    Costs nothing while the list is empty.
    """
    if not messages or not SuppressedIdentity.objects.exists():
        return messages, []
    digests = [[digest(kind, value) for kind, value in message_identities(m)] for m in messages]
    wanted = {d for ds in digests for d in ds}
    suppressed = set(SuppressedIdentity.objects.filter(digest__in=wanted).values_list("digest", flat=True))
    if not suppressed:
        return messages, []
    kept, dropped, hits = [], [], Counter()
    for message, ds in zip(messages, digests, strict=True):
        named = [d for d in ds if d in suppressed]
        if named:
            hits.update(named)
            dropped.append(message)
        else:
            kept.append(message)
    for d, count in hits.items():
        SuppressedIdentity.objects.filter(digest=d).update(dropped_events=F("dropped_events") + count)
    return kept, dropped


def suppressed_digests(kind: str, values: list[str]) -> set[str]:
    """Which of these values (of one kind) are suppressed, as their digests."""
    if not values or not SuppressedIdentity.objects.exists():
        return set()
    wanted = {digest(kind, value) for value in values if value}
    return set(SuppressedIdentity.objects.filter(digest__in=wanted).values_list("digest", flat=True))
