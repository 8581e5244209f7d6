"""How many customers match a condition now: exact when that is cheap, otherwise an estimate.

The canvas asks while the marketer edits an audience or a branch, so an answer must come back
in about a second whatever the size of the customer table. The condition is compiled by the one
SQL compiler (`journeys.conditions.condition_sql`), so the figure means what the journey does.

- Up to EXACT_UP_TO customers (by the planner's row count), count them all, under a statement
  timeout; a condition heavy on event history can still be too slow, and then we sample.
- Above that, or when the exact count ran out of time, count a random sample of table blocks
  (TABLESAMPLE SYSTEM, about SAMPLE_ROWS rows) and scale it to the table's row count. When the
  sample holds only a few matches, an exact count is tried after all (under the same timeout).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.utils import OperationalError

from journeys.conditions import condition_sql

EXACT_UP_TO = 200_000
SAMPLE_ROWS = 20_000
EXACT_TIMEOUT_MS = 1500
SAMPLE_TIMEOUT_MS = 3000
# Fewer matches than this in the sample: the audience is rare, and counted exactly if that is quick.
FEW_MATCHES = 30
# Counts from a sample are rounded to two significant figures: more would claim a precision the
# sample does not have.
SIGNIFICANT = 2


class EstimateTimeout(Exception):
    """Even the sample took too long (a condition over a very large event history)."""


@dataclass
class Estimate:
    count: int
    exact: bool
    sampled: int = 0  # customers looked at when the count is an estimate


def _table_rows(cursor) -> int:
    """The planner's idea of how many customers there are (-1 when the table was never analysed)."""
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'journeys_customer'::regclass")
    return int(cursor.fetchone()[0])


def _round(value: float) -> int:
    if value < 10:
        return round(value)
    return int(float(f"{value:.{SIGNIFICANT}g}"))


def _timed(cursor, milliseconds: int, sql: str, params: list):
    """Run `sql` under a statement timeout; the first row.

    In a savepoint, so a cancelled statement rolls back alone (and takes the timeout with it),
    leaving the caller's transaction usable. A released savepoint keeps a SET LOCAL until the
    outer transaction ends, so on success the previous timeout is put back.
    """
    with transaction.atomic():
        cursor.execute("SELECT current_setting('statement_timeout')")
        (previous,) = cursor.fetchone()
        cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
        return row


def audience_estimate(condition: dict, *, now: datetime, exact_up_to: int = EXACT_UP_TO) -> Estimate:
    """How many customers match `condition` at `now` (a condition already cleaned by the schema)."""
    where, params = condition_sql(condition, now)
    with connection.cursor() as cursor:
        rows = _table_rows(cursor)
        exact_sql = f"SELECT count(*) FROM journeys_customer c WHERE {where}"
        tried_exact = rows < exact_up_to  # includes -1: a young table is small
        if tried_exact:
            try:
                (count,) = _timed(cursor, EXACT_TIMEOUT_MS, exact_sql, params)
                return Estimate(int(count), True)
            except OperationalError:  # statement timeout: fall through to the sample
                if rows < 0:  # never analysed: the sample is scaled to a real count
                    (rows,) = _timed(cursor, SAMPLE_TIMEOUT_MS, "SELECT count(*) FROM journeys_customer", [])
        percent = min(100.0, 100.0 * SAMPLE_ROWS / max(rows, 1))
        try:
            matched, sampled = _timed(
                cursor,
                SAMPLE_TIMEOUT_MS,
                "SELECT count(*) FILTER (WHERE " + where + "), count(*)"
                " FROM journeys_customer c TABLESAMPLE SYSTEM (%s)",
                [*params, percent],
            )
        except OperationalError as error:
            raise EstimateTimeout("the condition is too slow to estimate; narrow it") from error
        if matched < FEW_MATCHES and not tried_exact:
            # A rare audience scales badly from a sample (0 of 20,000 says little of a million),
            # and its exact count is worth a second: try it, keep the estimate if it is too slow.
            try:
                (count,) = _timed(cursor, EXACT_TIMEOUT_MS, exact_sql, params)
                return Estimate(int(count), True)
            except OperationalError:
                pass
        if not sampled:
            return Estimate(0, False, 0)
        return Estimate(_round(matched / sampled * rows), False, int(sampled))
