"""Entering customers into a journey, set-based, under the journey's re-entry rules and entry cap."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from journeys.engine.batch import BatchWriter
from journeys.engine.state import ENTRY_COLUMNS
from journeys.sql import bulk_cursor, from_json

# What a new enrollment holds, per column of the engine's list (state.COLUMNS): it waits at the
# trigger, due at once, to leave through `next`. `t` is one entrant of the unnest below.
ENTRY_VALUES = {
    "journey_id": "%(journey_id)s",
    "version_id": "%(version_id)s",
    "customer_id": "t.c",
    "node_id": "%(node_id)s",
    "status": "'active'",
    "due_at": "t.at",
    "due_port": "'next'",
    "waiting_for": "''",
    "event_port": "''",
    "wake_port": "''",
    "context": "t.ctx::jsonb",
    "exit_reason": "''",
    "error": "''",
    "entered_at": "t.at",
}
if set(ENTRY_VALUES) != set(ENTRY_COLUMNS):
    raise ImportError(f"entry values and state.COLUMNS differ: {sorted(set(ENTRY_VALUES) ^ set(ENTRY_COLUMNS))}")
ENTRY_SQL = (
    f"INSERT INTO journeys_enrollment ({', '.join(ENTRY_COLUMNS)}, exclusive, updated_at)"
    f" SELECT {', '.join(ENTRY_VALUES[name] for name in ENTRY_COLUMNS)}, %(exclusive)s, %(now)s"
    " FROM unnest(%(customer_ids)b::bigint[], %(contexts)b::text[], %(entered)b::timestamptz[]) AS t(c, ctx, at)"
    " ON CONFLICT DO NOTHING RETURNING id, customer_id"
)


@dataclass
class Entrant:
    customer_id: int
    reason: str
    context: dict = field(default_factory=dict)
    entered_at: datetime | None = None  # default: the batch's now


def enroll(*, writer: BatchWriter, journey_id: int, node_id: str, entrants: list[Entrant]) -> list[int]:
    """Enroll the entrants at trigger `node_id` of the journey's current version; return new enrollment ids.

    Runs in the caller's transaction. The journey row is locked for the duration, which
    serialises entries into one journey (so the entry cap holds) and makes a concurrent pause
    or stop take effect before or after this call, never half-way.
    """
    if not entrants:
        return []
    now = writer.now
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT j.status, j.entered_count, j.current_version_id, v.settings FROM journeys_journey j"
            " JOIN journeys_journeyversion v ON v.id = j.current_version_id WHERE j.id = %s FOR NO KEY UPDATE OF j",
            [journey_id],
        )
        row = cursor.fetchone()
        if row is None or row[0] != "live":
            return []
        _status, entered_count, version_id, settings = row
        settings = from_json(settings)
        re_entry = settings.get("re_entry") or {"mode": "never"}
        mode = re_entry.get("mode", "never")

        unique: dict[int, Entrant] = {}
        for entrant in entrants:
            unique.setdefault(entrant.customer_id, entrant)
        customer_ids = list(unique)
        if mode == "never":
            where, params = "", []
        elif mode == "after_exit":
            where, params = " AND status = 'active'", []
        else:
            where, params = " AND entered_at > %s", [now - _seconds(re_entry.get("min_gap_seconds", 0))]
        if mode != "any_time" or re_entry.get("min_gap_seconds"):
            cursor.execute(
                f"SELECT DISTINCT customer_id FROM journeys_enrollment WHERE journey_id = %s"
                f" AND customer_id = ANY(%s){where}",
                [journey_id, customer_ids, *params],
            )
            excluded = {customer_id for (customer_id,) in cursor.fetchall()}
            customer_ids = [c for c in customer_ids if c not in excluded]
        cap = settings.get("entry_cap")
        if cap is not None:
            customer_ids = customer_ids[: max(0, cap - entered_count)]
        if not customer_ids:
            return []

        contexts = [json.dumps({**unique[c].context, "visits": {node_id: 1}}) for c in customer_ids]
        entered = [unique[c].entered_at or now for c in customer_ids]
        cursor.execute(
            ENTRY_SQL,
            {
                "journey_id": journey_id,
                "version_id": version_id,
                "node_id": node_id,
                "exclusive": mode != "any_time",
                "now": now,
                "customer_ids": customer_ids,
                "contexts": contexts,
                "entered": entered,
            },
        )
        created = cursor.fetchall()
        if created:
            cursor.execute(
                "UPDATE journeys_journey SET entered_count = entered_count + %s WHERE id = %s",
                [len(created), journey_id],
            )
    for enrollment_id, customer_id in created:
        writer.step(
            enrollment_id=enrollment_id,
            journey_id=journey_id,
            customer_id=customer_id,
            node_id=node_id,
            action="entered",
            reason=unique[customer_id].reason,
        )
    if created:
        writer.count(journey_id, node_id, "entered", len(created))
    return [enrollment_id for enrollment_id, _ in created]


def _seconds(count: int):
    from datetime import timedelta

    return timedelta(seconds=count)
