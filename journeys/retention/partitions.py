"""Monthly partitions: created ahead of need, dropped whole once past retention.

Each table has one partition per calendar month (UTC), `<table>_pYYYYMM`, a default partition
that takes rows outside the months made so far (an import of old data, a test's fixed clock),
and for the node counters a `gauge` partition below 1971 that holds the gauges and is never
dropped.

Dropping detaches the partition and drops the detached table. PostgreSQL cannot detach
CONCURRENTLY while a default partition exists, so the detach takes a brief exclusive lock on
the parent: it waits at most LOCK_TIMEOUT for the lock and retries a little later rather than
keep writers queued behind it while a long report query finishes.
"""

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from journeys.retention.tables import COUNTERS, DELIVERIES, EVENTS, TABLES, PartitionedTable

log = logging.getLogger(__name__)

MONTH_SUFFIX = re.compile(r"_p(\d{4})(\d{2})$")
LOCK_TIMEOUT = "100ms"
LOCK_ATTEMPTS = 20
DEFAULT_PURGE_BATCH = 10_000
# Two maintenance runs at once would race to create and drop the same partitions.
MAINTENANCE_LOCK = 0x7265_7465  # "rete"


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None  # None for the default partition and the open-ended fixed ones
    upper: datetime | None

    @property
    def is_month(self) -> bool:
        return self.lower is not None


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def month_partition_name(spec: PartitionedTable, month: datetime) -> str:
    return f"{spec.table}_p{month:%Y%m}"


def default_partition_name(spec: PartitionedTable) -> str:
    return f"{spec.table}_default"


def _literal(moment: datetime) -> str:
    # DDL takes no bind parameters; these are datetimes we computed, never input.
    return "'" + moment.astimezone(UTC).isoformat() + "'"


def partitions(cursor, spec: PartitionedTable) -> list[Partition]:
    """The table's partitions, months oldest first, then the fixed ones and the default."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
        [spec.table],
    )
    months, others = [], []
    for (name,) in cursor.fetchall():
        match = MONTH_SUFFIX.search(name)
        if match and name == f"{spec.table}{match.group(0)}":
            lower = datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC)
            months.append(Partition(name, lower, add_months(lower, 1)))
        else:
            others.append(Partition(name, None, None))
    return sorted(months, key=lambda p: p.lower) + sorted(others, key=lambda p: p.name)


def oldest_month_kept(cursor, spec: PartitionedTable) -> datetime | None:
    """The start of the table's oldest month partition: retention has dropped what came before."""
    months = [p for p in partitions(cursor, spec) if p.is_month]
    return months[0].lower if months else None


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row and row[0])


def create_month(cursor, spec: PartitionedTable, month: datetime) -> bool:
    """Make the month's partition if it is missing; True if made.

    Rows for that month already in the default partition (written before the month existed)
    are moved into it, in the same transaction.
    """
    name = month_partition_name(spec, month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    lower, upper = _literal(month), _literal(add_months(month, 1))
    default = default_partition_name(spec)
    in_range = f"{spec.column} >= {lower} AND {spec.column} < {upper}"
    with transaction.atomic():
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")
        if not cursor.fetchone()[0]:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {spec.table} FOR VALUES FROM ({lower}) TO ({upper})")
            return True
        cursor.execute(f"CREATE TABLE {name} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE {in_range} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
        # The CHECK lets ATTACH skip its scan of the new partition; it is redundant after.
        cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK ({in_range})")
        cursor.execute(f"ALTER TABLE {spec.table} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})")
        cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
    return True


def ensure_partitions(
    spec: PartitionedTable, *, now: datetime | None = None, first: datetime | None = None
) -> list[str]:
    """Make the months from `first` (default: this month) to PARTITIONS_AHEAD months ahead."""
    now = now or timezone.now()
    month = month_start(first or now)
    last = add_months(month_start(now), settings.PARTITIONS_AHEAD_MONTHS)
    made = []
    with connection.cursor() as cursor:
        while month <= last:
            if create_month(cursor, spec, month):
                made.append(month_partition_name(spec, month))
            month = add_months(month, 1)
    return made


def retention_cutoff(spec: PartitionedTable, now: datetime) -> datetime | None:
    days = spec.retention_days
    return None if days <= 0 else now - timedelta(days=days)


def expired(cursor, spec: PartitionedTable, now: datetime) -> list[Partition]:
    """Month partitions whose every row is older than the table's retention, oldest first."""
    cutoff = retention_cutoff(spec, now)
    if cutoff is None:
        return []
    return [p for p in partitions(cursor, spec) if p.is_month and p.upper <= cutoff]


def _id_range(cursor, partition: Partition) -> tuple[int, int] | None:
    """The lowest and highest id in the partition (two descents of its primary key), None if empty."""
    cursor.execute(
        f"SELECT (SELECT id FROM {partition.name} ORDER BY id LIMIT 1),"
        f" (SELECT id FROM {partition.name} ORDER BY id DESC LIMIT 1)"
    )
    low, high = cursor.fetchone()
    return None if low is None else (low, high)


def _blocker(cursor, spec: PartitionedTable, partition: Partition, ids: tuple[int, int] | None) -> str:
    """Why this partition must not be dropped yet, or ''."""
    if ids is None:
        return ""
    if spec is DELIVERIES:
        # The partial indexes of queued and sending rows make this two small lookups.
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {partition.name} WHERE status IN ('queued', 'sending'))")
        if cursor.fetchone()[0]:
            return "it holds deliveries not sent yet"
    if spec is EVENTS:
        # Ids only grow, so an inbox row in the partition's id range may be one of its events:
        # at worst a month is kept one more day, and the check never reads the whole partition.
        cursor.execute("SELECT EXISTS (SELECT 1 FROM journeys_engineinbox WHERE event_id BETWEEN %s AND %s)", ids)
        if cursor.fetchone()[0]:
            return "the engine has not read all its events"
    return ""


def _before_detach(cursor, spec: PartitionedTable, partition: Partition, ids: tuple[int, int] | None) -> None:
    """Keep what must outlive the rows: counters as totals, and no pointer left to a dropped delivery."""
    if spec is COUNTERS:
        # Totals already count these hours (they are far older than the totals' `through`);
        # `retired` remembers them so a full recount of the hours still kept adds them back.
        cursor.execute(
            "INSERT INTO journeys_nodestattotal AS t (journey_id, node_id, metric, value, retired, through)"
            f" SELECT journey_id, node_id, metric, sum(value), sum(value), {_literal(partition.upper)}"
            f" FROM {partition.name} GROUP BY journey_id, node_id, metric"
            " ON CONFLICT (journey_id, node_id, metric) DO UPDATE SET retired = t.retired + EXCLUDED.retired"
        )
    if spec is DELIVERIES and ids is not None:
        for table in ("journeys_inappmessage", "journeys_suppression"):
            # The id range narrows the rows to look at through their delivery_id index; the
            # EXISTS keeps pointers to deliveries of a neighbouring month that share the range.
            cursor.execute(
                f"UPDATE {table} t SET delivery_id = NULL WHERE t.delivery_id BETWEEN %s AND %s"
                f" AND EXISTS (SELECT 1 FROM {partition.name} d WHERE d.id = t.delivery_id)",
                ids,
            )


def drop_partition(spec: PartitionedTable, partition: Partition) -> bool:
    """Detach and drop one partition; False if it must stay for now (said in the log)."""
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                ids = _id_range(cursor, partition)
                blocker = _blocker(cursor, spec, partition, ids)
                if blocker:
                    log.warning("Retention kept %s: %s.", partition.name, blocker)
                    return False
                _before_detach(cursor, spec, partition, ids)
                # The detach's exclusive lock is held until commit, and writers queue behind it:
                # wait for it only briefly, and do not make them wait for the commit's WAL flush
                # too. (Safe: if this commit were lost in a crash, the partition would still be
                # attached, and the DROP below, whose commit is flushed, never ran.)
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute(f"ALTER TABLE {spec.table} DETACH PARTITION {partition.name}")
            break
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03" or attempt == LOCK_ATTEMPTS - 1:
                raise
            log.info("Retention: %s is busy; trying again.", spec.table)
            time.sleep(0.2 * (attempt + 1))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {partition.name}")
    log.info("Retention dropped %s.", partition.name)
    from journeys.governance.audit import record

    record(
        "retention.drop",
        object_type="partition",
        object_id=partition.name,
        diff={
            "table": spec.table,
            "from": partition.lower.isoformat(),
            "to": partition.upper.isoformat(),
            "retention_days": spec.retention_days,
        },
    )
    return True


def purge_default(spec: PartitionedTable, now: datetime) -> int:
    """Delete the default partition's rows past retention, a batch at a time; how many.

    The default partition only holds rows written outside the months made (imports of old
    data), so this stays small; the months themselves are never deleted from row by row.
    """
    cutoff = retention_cutoff(spec, now)
    if cutoff is None:
        return 0
    default = default_partition_name(spec)
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {default} WHERE ctid IN (SELECT ctid FROM {default} WHERE {spec.column} < %s LIMIT %s)",
                [cutoff, DEFAULT_PURGE_BATCH],
            )
            removed += cursor.rowcount
            if cursor.rowcount < DEFAULT_PURGE_BATCH:
                return removed


def purge_receipts(now: datetime) -> int:
    """Forget the message ids older than the dedupe window, a batch at a time; how many."""
    cutoff = now - timedelta(days=settings.EVENT_DEDUPE_DAYS)
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM journeys_eventreceipt WHERE ctid IN"
                " (SELECT ctid FROM journeys_eventreceipt WHERE received_at < %s LIMIT %s)",
                [cutoff, DEFAULT_PURGE_BATCH],
            )
            removed += cursor.rowcount
            if cursor.rowcount < DEFAULT_PURGE_BATCH:
                return removed


def maintain(*, now: datetime | None = None) -> dict:
    """Create partitions ahead, drop those past retention, trim the default partitions and receipts.

    Run daily by the scheduler, and by `manage.py retention run`.
    """
    from journeys.services import node_stat_totals_refresh

    now = now or timezone.now()
    report = {"created": [], "dropped": [], "kept": [], "purged_rows": 0, "receipts_forgotten": 0}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MAINTENANCE_LOCK])
        if not cursor.fetchone()[0]:
            report["skipped"] = "another maintenance run holds the lock"
            return report
    try:
        for spec in TABLES:
            report["created"] += ensure_partitions(spec, now=now)
        # Counters are folded into totals before their hours go: bring totals up to date first.
        node_stat_totals_refresh(now=now, full=False)
        for spec in TABLES:
            with connection.cursor() as cursor:
                doomed = expired(cursor, spec, now)
            for partition in doomed:
                (report["dropped"] if drop_partition(spec, partition) else report["kept"]).append(partition.name)
            report["purged_rows"] += purge_default(spec, now)
        report["receipts_forgotten"] = purge_receipts(now)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MAINTENANCE_LOCK])
    return report
