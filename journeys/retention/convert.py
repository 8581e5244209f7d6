"""Turn an existing plain table into a partitioned one while the product keeps writing to it.

Used once per table by migration 0023. The steps, and the lock each takes:

1. Create `<table>__partitioned` with the same columns, partitioned by month, with the months
   the data spans and PARTITIONS_AHEAD months to come, and a trigger on the old table that
   notes the id of every row updated or deleted from now on. (A brief lock to add the trigger.)
2. Copy the rows in id batches, each its own transaction. No lock: writes go on.
3. Build the old table's indexes on the new one. No lock on the old table.
4. The short lock: block writes to the old table (reads go on), copy the rows written since
   step 2 and those changed since step 1, hand the id sequence over, drop the old table and
   give the new one its name and its indexes' names. This takes time in proportion to what was
   written during steps 2 and 3, not to the table's size.

An empty table (a new install, the tests) goes through the same steps in milliseconds.
"""

import logging
import re
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from journeys.retention.partitions import (
    _literal,
    add_months,
    default_partition_name,
    is_partitioned,
    month_partition_name,
    month_start,
)
from journeys.retention.tables import PartitionedTable

log = logging.getLogger(__name__)

COPY_BATCH_IDS = 200_000
SWAP_LOCK_TIMEOUT = "30s"
INDEX_DEFINITION = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) (.*)$")


def _one(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    row = cursor.fetchone()
    return row[0] if row else None


def _first_month(cursor, spec: PartitionedTable, longest_retention_days: int, now):
    """The oldest month worth a partition: the oldest row's, unless every retention is shorter."""
    floor = spec.fixed[-1][1] if spec.fixed else None
    where = f" WHERE {spec.column} >= {_literal(floor)}" if floor else ""
    oldest = _one(cursor, f"SELECT min({spec.column}) FROM {spec.table}{where}")
    first = month_start(min(oldest, now) if oldest else now)
    if longest_retention_days > 0:
        # Older rows go to the default partition, whose expired rows are purged in batches.
        first = max(first, month_start(now - timedelta(days=longest_retention_days)))
    return first


def _create_partitioned_copy(cursor, spec: PartitionedTable, new: str, changed: str, now, ahead: int) -> None:
    cursor.execute(
        f"CREATE TABLE {new} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY"
        f" INCLUDING GENERATED INCLUDING STORAGE) PARTITION BY RANGE ({spec.column})"
    )
    cursor.execute(f"ALTER TABLE {new} ADD CONSTRAINT {new}_pkey PRIMARY KEY (id, {spec.column})")
    cursor.execute(f"CREATE TABLE {default_partition_name(spec)} PARTITION OF {new} DEFAULT")
    for suffix, upper in spec.fixed:
        cursor.execute(
            f"CREATE TABLE {spec.table}_{suffix} PARTITION OF {new} FOR VALUES FROM (MINVALUE) TO ({_literal(upper)})"
        )
    month = _first_month(cursor, spec, spec.retention_days, now)
    last = add_months(month_start(now), ahead)
    while month <= last:
        cursor.execute(
            f"CREATE TABLE {month_partition_name(spec, month)} PARTITION OF {new}"
            f" FOR VALUES FROM ({_literal(month)}) TO ({_literal(add_months(month, 1))})"
        )
        month = add_months(month, 1)
    cursor.execute(f"CREATE TABLE {changed} (id bigint NOT NULL)")
    cursor.execute(
        f"CREATE FUNCTION {changed}_note() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN INSERT INTO {changed} (id) VALUES (OLD.id); RETURN NULL; END $$"
    )
    cursor.execute(
        f"CREATE TRIGGER {changed}_note AFTER UPDATE OR DELETE ON {spec.table}"
        f" FOR EACH ROW EXECUTE FUNCTION {changed}_note()"
    )


def _index_definitions(cursor, spec: PartitionedTable) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement for the new table under a temporary name) per index but the key."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), x.indisunique FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
        [spec.table],
    )
    definitions = []
    for name, definition, unique in cursor.fetchall():
        match = INDEX_DEFINITION.match(definition)
        if not match:
            raise RuntimeError(f"Cannot read the definition of index {name}: {definition}")
        if unique and spec.column not in match.group(4):
            raise RuntimeError(f"Unique index {name} lacks {spec.column}: it cannot span partitions.")
        temporary = f"{name[:58]}__p"
        definitions.append((name, f"CREATE {match.group(1) or ''}INDEX {temporary} ON {{new}} {match.group(4)}"))
    return definitions


def convert(spec: PartitionedTable, *, now=None, ahead: int = 1) -> bool:
    """Partition `spec.table` by month, keeping its rows, indexes and id sequence; False if it already is."""
    now = now or timezone.now()
    new, changed = f"{spec.table}__partitioned", f"{spec.table}__changed"
    with connection.cursor() as cursor:
        if is_partitioned(cursor, spec.table):
            return False
        with transaction.atomic():
            _create_partitioned_copy(cursor, spec, new, changed, now, ahead)
        copied_through = _one(cursor, f"SELECT coalesce(max(id), 0) FROM {spec.table}")
        low = 0
        while low < copied_through:
            high = min(low + COPY_BATCH_IDS, copied_through)
            with transaction.atomic():
                cursor.execute(f"INSERT INTO {new} SELECT * FROM {spec.table} WHERE id > %s AND id <= %s", [low, high])
            low = high
        indexes = _index_definitions(cursor, spec)
        for _, statement in indexes:
            cursor.execute(statement.format(new=new))
        with transaction.atomic():
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            cursor.execute(f"LOCK TABLE {spec.table} IN EXCLUSIVE MODE")
            cursor.execute(
                f"DELETE FROM {new} WHERE id IN (SELECT DISTINCT id FROM {changed}) AND id <= %s", [copied_through]
            )
            cursor.execute(
                f"INSERT INTO {new} SELECT * FROM {spec.table} WHERE id <= %s AND id IN (SELECT id FROM {changed})",
                [copied_through],
            )
            cursor.execute(f"INSERT INTO {new} SELECT * FROM {spec.table} WHERE id > %s", [copied_through])
            old_sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [spec.table])
            new_sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [new])
            cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
            last_value, is_called = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
            cursor.execute(f"DROP TABLE {spec.table}")
            cursor.execute(f"DROP TABLE {changed}")
            cursor.execute(f"DROP FUNCTION {changed}_note()")
            cursor.execute(f"ALTER TABLE {new} RENAME TO {spec.table}")
            cursor.execute(f"ALTER TABLE {spec.table} RENAME CONSTRAINT {new}_pkey TO {spec.table}_pkey")
            cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence.split('.')[-1]}")
            for name, _ in indexes:
                cursor.execute(f"ALTER INDEX {name[:58]}__p RENAME TO {name}")
    log.info("Partitioned %s by month of %s.", spec.table, spec.column)
    return True
