"""The hot paths' raw SQL helpers: a cursor for set-based statements, and jsonb in and out."""

import json

import orjson
import psycopg
from django.db import connection


def json_text(value, *, sort_keys: bool = False) -> str:
    """JSON text for a jsonb parameter: orjson's speed, stdlib's range.

    jsonb keeps numbers exactly, so a stored 1e20 comes back as a Python int beyond 64 bits,
    which orjson refuses; such values take the slower path instead of failing the batch.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)


def from_json(value):
    """A jsonb value read with raw SQL: Django's psycopg setup hands jsonb over as text."""
    return json.loads(value) if isinstance(value, str) else value


def bulk_cursor() -> psycopg.Cursor:
    """A psycopg cursor with server-side parameter binding, on Django's connection and transaction.

    Django's own cursor binds parameters client-side, quoting every array element into the SQL
    text; for the engine's and ingestion's arrays of thousands of values that quoting costs more
    than the statement itself. Parameters sent separately skip it (see docs/decisions.md).
    """
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def estimated_rows(table: str) -> int:
    """The planner's row estimate for a table, summed over its partitions if it has them; 0 if unknown.

    A partitioned table's own estimate stays unknown (-1): autovacuum analyzes its partitions,
    never the parent.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c"
            " WHERE c.oid = to_regclass(%s)"
            " OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))",
            [table, table],
        )
        return cursor.fetchone()[0]
