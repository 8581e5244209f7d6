"""A cursor for the hot paths' set-based statements."""

import psycopg
from django.db import connection


def bulk_cursor() -> psycopg.Cursor:
    """A psycopg cursor with server-side parameter binding, on Django's connection and transaction.

    Django's own cursor binds parameters client-side, quoting every array element into the SQL
    text; for the engine's and ingestion's arrays of thousands of values that quoting costs more
    than the statement itself. Parameters sent separately skip it (see docs/decisions.md).
    """
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
