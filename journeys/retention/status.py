"""What the Admins' retention page shows: per table, its size, the oldest row kept and the next drop."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from journeys.retention.partitions import Partition, default_partition_name, is_partitioned, partitions
from journeys.retention.tables import TABLES, PartitionedTable


@dataclass(frozen=True)
class PartitionStatus:
    name: str
    lower: datetime | None
    upper: datetime | None
    bytes: int
    rows_estimate: int | None  # None until PostgreSQL has analyzed the partition
    drops_at: datetime | None  # when its newest row passes retention (None: never)
    kind: str = "month"  # month, default (rows outside the months made) or fixed (never dropped)


@dataclass(frozen=True)
class TableStatus:
    table: str
    label: str
    column: str
    retention_days: int
    partitioned: bool
    bytes: int
    oldest: datetime | None
    next_drop: PartitionStatus | None
    partitions: list[PartitionStatus]
    default_rows_estimate: int | None


def _size(cursor, name: str) -> tuple[int, int]:
    # reltuples is -1 until the table is first analyzed: unknown, not empty.
    cursor.execute(
        "SELECT pg_total_relation_size(%s::regclass), CASE WHEN reltuples >= 0 THEN reltuples::bigint END FROM pg_class"
        " WHERE oid = %s::regclass",
        [name, name],
    )
    return cursor.fetchone()


def _first_month_with_rows(cursor, ordered: list[Partition]) -> Partition | None:
    for partition in ordered:
        if partition.is_month:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {partition.name})")
            if cursor.fetchone()[0]:
                return partition
    return None


def _oldest(cursor, spec: PartitionedTable, first: Partition | None) -> datetime | None:
    """The oldest row's time: the default partition's oldest, or the first row written in the oldest month.

    Rows get their partition key when written and ids only grow, so the month's lowest id is its
    oldest row; one descent of the primary key finds it, where min() would read the whole month.
    The default partition is small and read whole.
    """
    cursor.execute(f"SELECT min({spec.column}) FROM {default_partition_name(spec)}")
    found = [cursor.fetchone()[0]]
    if first is not None:
        cursor.execute(f"SELECT {spec.column} FROM {first.name} ORDER BY id LIMIT 1")
        found.append(cursor.fetchone()[0])
    found = [moment for moment in found if moment is not None]
    return min(found) if found else None


def oldest_row(spec: PartitionedTable) -> datetime | None:
    """When the oldest row a partitioned table keeps was written, without reading a month whole."""
    with connection.cursor() as cursor:
        return _oldest(cursor, spec, _first_month_with_rows(cursor, partitions(cursor, spec)))


def table_status(spec: PartitionedTable, *, now: datetime | None = None) -> TableStatus:
    now = now or timezone.now()
    days = spec.retention_days
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, spec.table):
            size, _ = _size(cursor, spec.table)
            return TableStatus(spec.table, spec.label, spec.column, days, False, size, None, None, [], 0)
        ordered = partitions(cursor, spec)
        rows = []
        default_rows = 0
        for partition in ordered:
            size, estimate = _size(cursor, partition.name)
            if partition.name == default_partition_name(spec):
                default_rows = estimate
            drops_at = partition.upper + timedelta(days=days) if partition.is_month and days > 0 else None
            kind = (
                "month"
                if partition.is_month
                else "default"
                if partition.name == default_partition_name(spec)
                else "fixed"
            )
            rows.append(
                PartitionStatus(partition.name, partition.lower, partition.upper, size, estimate, drops_at, kind)
            )
        first = _first_month_with_rows(cursor, ordered)
        oldest = _oldest(cursor, spec, first)
    # The next drop is the oldest month that holds anything (empty ones before it go the same day
    # at no cost), or the oldest month when all are empty.
    months = [row for row in rows if row.kind == "month"]
    next_drop = next((row for row in months if first and row.name == first.name), months[0] if months else None)
    if days <= 0:
        next_drop = None
    return TableStatus(
        spec.table,
        spec.label,
        spec.column,
        days,
        True,
        sum(row.bytes for row in rows),
        oldest,
        next_drop,
        rows,
        default_rows,
    )


def retention_status(*, now: datetime | None = None) -> list[TableStatus]:
    return [table_status(spec, now=now) for spec in TABLES]
