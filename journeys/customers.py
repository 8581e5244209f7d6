"""Services on customer profiles outside event ingestion: bulk import from files."""

import json
import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from journeys.consent import consent_apply
from journeys.consent_policy import CONSENT_CHANNELS, parse_state
from journeys.models.customers import timezone_names
from journeys.privacy import suppression
from journeys.services import customers_changed
from journeys.sql import bulk_cursor

ID_COLUMNS = ("external_id", "user_id", "userId")
# JSON's number grammar: no NaN or Infinity (PostgreSQL rejects them), no leading zeros (zip
# codes and other identifiers keep them as text), no underscores or non-ASCII digits.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class CustomerImportError(ValueError):
    pass


@dataclass
class CustomerRow:
    external_id: str
    email: str = ""
    phone: str = ""
    timezone: str = ""
    consent: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)


def _attribute_value(text: str):
    """CSV cells are text; numbers and booleans are stored as such so conditions can compare them."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _NUMBER.fullmatch(text):
        number = int(text) if text.lstrip("-").isdigit() else float(text)
        if math.isfinite(number):
            return number
    return text


def parse_customer_row(row: dict) -> CustomerRow:
    """Validate one CSV row (a header -> cell dict); raise CustomerImportError with the reason."""
    if None in row:
        raise CustomerImportError("the row has more cells than the header has columns")
    cells = {(key or "").strip(): (value or "").strip() for key, value in row.items()}
    external_id = next((cells.pop(column) for column in ID_COLUMNS if cells.get(column)), "")
    for column in ID_COLUMNS:
        cells.pop(column, None)
    if not external_id:
        raise CustomerImportError("external_id is empty")
    if len(external_id) > 255:
        raise CustomerImportError("external_id is longer than 255 characters")
    parsed = CustomerRow(external_id=external_id)
    parsed.email = cells.pop("email", "")
    if parsed.email:
        try:
            validate_email(parsed.email)
        except ValidationError:
            raise CustomerImportError(f"email {parsed.email!r} is not a valid address") from None
        if len(parsed.email) > 254:  # the validator allows 320, the column holds 254
            raise CustomerImportError("email is longer than 254 characters")
    parsed.phone = cells.pop("phone", "")
    if len(parsed.phone) > 32:
        raise CustomerImportError("phone is longer than 32 characters")
    parsed.timezone = cells.pop("timezone", "")
    if parsed.timezone and parsed.timezone not in timezone_names():
        raise CustomerImportError(f"timezone {parsed.timezone!r} is not an IANA name such as Europe/Paris")
    for column in [c for c in cells if c.startswith("consent_")]:
        channel, value = column.removeprefix("consent_"), cells.pop(column)
        if channel not in CONSENT_CHANNELS:
            raise CustomerImportError(f"column {column}: unknown channel; channels are {', '.join(CONSENT_CHANNELS)}")
        if not value:
            continue  # an empty cell leaves the state as it is, like every other column
        state = parse_state(value)
        if state is None:
            raise CustomerImportError(
                f"column {column}: {value!r} is not subscribed/unsubscribed/not_asked (or yes/no, true/false)"
            )
        parsed.consent[channel] = state
    parsed.attributes = {key: _attribute_value(value) for key, value in cells.items() if key and value}
    return parsed


def _not_suppressed(rows: list[CustomerRow]) -> list[CustomerRow]:
    """Rows that name no deleted customer's external id, email or phone (docs/privacy.md)."""
    Kind = suppression.Kind
    gone = (
        suppression.suppressed_digests(Kind.USER_ID, [r.external_id for r in rows])
        | suppression.suppressed_digests(Kind.EMAIL, [r.email for r in rows if r.email])
        | suppression.suppressed_digests(Kind.PHONE, [r.phone for r in rows if r.phone])
    )
    if not gone:
        return rows
    return [
        row
        for row in rows
        if suppression.digest(Kind.USER_ID, row.external_id) not in gone
        and not (row.email and suppression.digest(Kind.EMAIL, row.email) in gone)
        and not (row.phone and suppression.digest(Kind.PHONE, row.phone) in gone)
    ]


def customers_upsert(*, rows: list[CustomerRow], source_name: str = "") -> int:
    """Create or update customers by external id in one statement; empty cells leave fields as they are.

    Attributes and consent are merged into what the profile already has. Returns the number of rows written.
    """
    if not rows:
        return 0
    by_id: dict[str, CustomerRow] = {}
    for row in rows:  # a later row for the same customer wins, as it would if imported one by one
        earlier = by_id.get(row.external_id)
        if earlier:
            row.attributes = {**earlier.attributes, **row.attributes}
            row.consent = {**earlier.consent, **row.consent}
            row.email, row.phone, row.timezone = (
                row.email or earlier.email,
                row.phone or earlier.phone,
                row.timezone or earlier.timezone,
            )
        by_id[row.external_id] = row
    now = timezone.now()
    unique_rows = _not_suppressed(list(by_id.values()))
    if not unique_rows:
        return 0
    with transaction.atomic(), bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_customer AS c"
            " (external_id, email, phone, timezone, attributes, consent, created_at, updated_at)"
            " SELECT ext, em, ph, tz, attrs::jsonb, '{}'::jsonb, %s, %s"
            " FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[])"
            " AS v(ext, em, ph, tz, attrs)"
            " ON CONFLICT (external_id) DO UPDATE SET"
            " email = COALESCE(NULLIF(EXCLUDED.email, ''), c.email),"
            " phone = COALESCE(NULLIF(EXCLUDED.phone, ''), c.phone),"
            " timezone = COALESCE(NULLIF(EXCLUDED.timezone, ''), c.timezone),"
            " attributes = c.attributes || EXCLUDED.attributes,"
            " updated_at = EXCLUDED.updated_at RETURNING c.id, c.external_id",
            [
                now,
                now,
                [r.external_id for r in unique_rows],
                [r.email for r in unique_rows],
                [r.phone for r in unique_rows],
                [r.timezone for r in unique_rows],
                [json.dumps(r.attributes) for r in unique_rows],
            ],
        )
        ids = dict((external_id, customer_id) for customer_id, external_id in cursor.fetchall())
        # Consent goes through its one writer, so each imported change is logged with its source.
        consent_apply(
            changes=[(ids[r.external_id], channel, state) for r in unique_rows for channel, state in r.consent.items()],
            source="import",
            detail=source_name[:200],
            at=now,
        )
    written = list(ids.values())
    # Imported profiles may now match an audience that enters customers when they come to match.
    customers_changed(customer_ids=written)
    return len(written)
