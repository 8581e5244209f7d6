"""Engine reads of enrollment rows (the claim, the locks) decode timestamps in C, to the values Django gives."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from journeys.engine.state import state_cursor
from journeys.sql import bulk_cursor

TIMESTAMPS = "SELECT %s::timestamptz, '2026-03-29 01:30:00.000123+02'::timestamptz, NULL::timestamptz"


@pytest.mark.django_db
def test_the_claim_cursor_loads_timestamps_in_c_with_the_values_and_zone_django_gives():
    moment = datetime(2026, 12, 6, 5, 30, 15, 123456, tzinfo=UTC)
    with bulk_cursor() as django_cursor:
        django_cursor.execute(TIMESTAMPS, [moment])
        expected = django_cursor.fetchone()

    with state_cursor() as cursor:
        cursor.execute(TIMESTAMPS, [moment])
        loaded = cursor.fetchone()
        loader = cursor.adapters.get_loader(connection.connection.adapters.types["timestamptz"].oid, Format.TEXT)

    assert not issubclass(loader, BaseTzLoader)  # not Django's pure-Python subclass
    assert loaded == expected
    assert loaded[0] == moment
    assert [value.tzinfo for value in loaded[:2]] == [expected[0].tzinfo, expected[1].tzinfo] == [UTC, UTC]
