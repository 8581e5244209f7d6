"""Enrollment rows as the engine handles them: claimed, changed in memory, written back set-based."""

from dataclasses import dataclass, field
from datetime import datetime

from journeys.sql import bulk_cursor, from_json, json_text

# Columns the engine reads and writes, in this order.
COLUMNS = (
    "id",
    "journey_id",
    "version_id",
    "customer_id",
    "node_id",
    "status",
    "due_at",
    "due_port",
    "waiting_for",
    "event_port",
    "wake_port",
    "waiting_since",
    "context",
    "exit_reason",
    "error",
    "entered_at",
    "exited_at",
)
SELECT_COLUMNS = ", ".join(f"e.{name}" for name in COLUMNS)


@dataclass
class EnrollmentState:
    id: int
    journey_id: int
    version_id: int
    customer_id: int
    node_id: str
    status: str
    due_at: datetime | None
    due_port: str
    waiting_for: str
    event_port: str
    wake_port: str
    waiting_since: datetime | None
    context: dict
    exit_reason: str
    error: str
    entered_at: datetime
    exited_at: datetime | None
    converted_at: datetime | None = field(default=None, compare=False)  # read by the goal pass only
    changed: bool = field(default=False, compare=False)

    @classmethod
    def from_row(cls, row) -> "EnrollmentState":
        state = cls(*row)
        state.context = from_json(state.context)
        return state

    @property
    def is_waiting(self) -> bool:
        return self.waiting_since is not None

    def clear_wait(self) -> None:
        self.due_at = None
        self.due_port = self.waiting_for = self.event_port = self.wake_port = ""
        self.waiting_since = None

    def visit(self, node_id: str) -> int:
        visits = self.context.setdefault("visits", {})
        visits[node_id] = visits.get(node_id, 0) + 1
        return visits[node_id]

    def visits(self, node_id: str) -> int:
        return self.context.get("visits", {}).get(node_id, 0)


def claim_sql(where: str, *, limit: bool = True) -> str:
    """SELECT enrollment rows for update, skipping rows another worker holds."""
    return (
        f"SELECT {SELECT_COLUMNS} FROM journeys_enrollment e WHERE {where}"
        + (" ORDER BY e.due_at LIMIT %s" if limit else "")
        + " FOR UPDATE OF e SKIP LOCKED"
    )


def save_states(states: list[EnrollmentState], now: datetime) -> None:
    """Write back every changed enrollment in one UPDATE."""
    changed = [s for s in states if s.changed]
    if not changed:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            "UPDATE journeys_enrollment e SET node_id = v.node_id, status = v.status, due_at = v.due_at,"
            " due_port = v.due_port, waiting_for = v.waiting_for, event_port = v.event_port,"
            " wake_port = v.wake_port, waiting_since = v.waiting_since, context = v.context::jsonb,"
            " exit_reason = v.exit_reason, error = v.error, exited_at = v.exited_at, version_id = v.version_id,"
            " updated_at = %s"
            " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::timestamptz[], %b::text[], %b::text[],"
            " %b::text[], %b::text[], %b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::timestamptz[],"
            " %b::bigint[])"
            " AS v(id, node_id, status, due_at, due_port, waiting_for, event_port, wake_port, waiting_since,"
            " context, exit_reason, error, exited_at, version_id)"
            " WHERE e.id = v.id",
            [
                now,
                [s.id for s in changed],
                [s.node_id for s in changed],
                [s.status for s in changed],
                [s.due_at for s in changed],
                [s.due_port for s in changed],
                [s.waiting_for for s in changed],
                [s.event_port for s in changed],
                [s.wake_port for s in changed],
                [s.waiting_since for s in changed],
                [json_text(s.context) for s in changed],
                [s.exit_reason for s in changed],
                [s.error for s in changed],
                [s.exited_at for s in changed],
                [s.version_id for s in changed],
            ],
        )
