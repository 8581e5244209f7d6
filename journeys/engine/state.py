"""Enrollment rows as the engine handles them: claimed, changed in memory, written back set-based.

`COLUMNS` is the one list of what the engine reads and writes: the claim's SELECT, the
write-back in `save_states` and the entry INSERT (journeys/engine/entry.py) are all built
from it, so a column added here reaches all three or fails at import.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

import psycopg
from django.db import connection
from psycopg.types.datetime import TimestamptzLoader

from journeys.sql import bulk_cursor, from_json, json_text


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # the element type of the array it is written back with
    saved: bool = True  # written back by save_states; False for what never changes after entry
    on_entry: bool = True  # given a value by the entry INSERT; False where a new row leaves it NULL
    dump: Callable | None = None  # Python value -> parameter, where the plain value will not do


COLUMNS = (
    Column("id", "bigint", saved=False, on_entry=False),
    Column("journey_id", "bigint", saved=False),
    Column("version_id", "bigint"),
    Column("customer_id", "bigint", saved=False),
    Column("node_id", "text"),
    Column("status", "text"),
    Column("due_at", "timestamptz"),
    Column("due_port", "text"),
    Column("waiting_for", "text"),
    Column("event_port", "text"),
    Column("wake_port", "text"),
    Column("waiting_since", "timestamptz", on_entry=False),
    Column("context", "jsonb", dump=json_text),
    Column("exit_reason", "text"),
    Column("error", "text"),
    Column("entered_at", "timestamptz", saved=False),
    Column("exited_at", "timestamptz", on_entry=False),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
SELECT_COLUMNS = ", ".join(f"e.{name}" for name in COLUMN_NAMES)
SAVED_COLUMNS = tuple(column for column in COLUMNS if column.saved)
ENTRY_COLUMNS = tuple(column.name for column in COLUMNS if column.on_entry)


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


# from_row fills the fields by position from a row of COLUMNS.
if tuple(f.name for f in fields(EnrollmentState))[: len(COLUMNS)] != COLUMN_NAMES:
    raise ImportError("EnrollmentState's first fields must be COLUMNS, in order")


def state_cursor() -> psycopg.Cursor:
    """A bulk cursor for reading enrollment rows, its timestamptz columns decoded by psycopg's C loader.

    Django's loader subclasses psycopg's pure-Python one to pin the tzinfo, which kept about a
    tenth of a tick busy in Python. When both Django and the session use UTC, the C loader gives
    equal values with the same tzinfo (datetime.UTC), so only the speed changes; otherwise
    Django's stays.
    """
    cursor = bulk_cursor()
    session_zone = cursor.connection.pgconn.parameter_status(b"TimeZone")
    if connection.timezone is UTC and session_zone == b"UTC":
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
    return cursor


def claim_sql(where: str, *, limit: bool = True) -> str:
    """SELECT enrollment rows for update, skipping rows another worker holds."""
    return (
        f"SELECT {SELECT_COLUMNS} FROM journeys_enrollment e WHERE {where}"
        + (" ORDER BY e.due_at LIMIT %s" if limit else "")
        + " FOR UPDATE OF e SKIP LOCKED"
    )


def _save_sql() -> str:
    # jsonb travels as text (orjson's) and is cast in the SET: a binary jsonb array would need
    # psycopg's slower Python dumper.
    assignments = ", ".join(
        f"{c.name} = v.{c.name}::jsonb" if c.sql_type == "jsonb" else f"{c.name} = v.{c.name}" for c in SAVED_COLUMNS
    )
    arrays = ", ".join("%b::bigint[]" if c is None else f"%b::{_array_type(c)}[]" for c in (None, *SAVED_COLUMNS))
    names = ", ".join(["id", *(c.name for c in SAVED_COLUMNS)])
    return (
        f"UPDATE journeys_enrollment e SET {assignments}, updated_at = %s"
        f" FROM unnest({arrays}) AS v({names}) WHERE e.id = v.id"
    )


def _array_type(column: Column) -> str:
    return "text" if column.sql_type == "jsonb" else column.sql_type


SAVE_SQL = _save_sql()


def save_states(states: list[EnrollmentState], now: datetime) -> None:
    """Write back every changed enrollment in one UPDATE."""
    changed = [s for s in states if s.changed]
    if not changed:
        return
    arrays = [[s.id for s in changed]]
    for column in SAVED_COLUMNS:
        values = [getattr(s, column.name) for s in changed]
        arrays.append([column.dump(v) for v in values] if column.dump else values)
    with bulk_cursor() as cursor:
        cursor.execute(SAVE_SQL, [now, *arrays])  # updated_at's %s comes first in the text
