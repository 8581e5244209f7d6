"""The partitioned tables, the column each is partitioned by, and how long each keeps its data."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings


@dataclass(frozen=True)
class PartitionedTable:
    table: str
    column: str  # the partition key: a timestamptz the row gets when it is written
    retention_setting: str  # the setting holding the days kept; 0 keeps everything
    label: str
    # Partitions that are not months and are never dropped, as (suffix, upper bound): the node
    # counters' gauge rows live at GAUGE_HOUR (1970) and must outlive every retention.
    fixed: tuple[tuple[str, datetime], ...] = ()

    @property
    def retention_days(self) -> int:
        return getattr(settings, self.retention_setting)


GAUGE_PARTITION_END = datetime(1971, 1, 1, tzinfo=UTC)

# Partitioned by when the row was written (not the sender's timestamp), so every write lands in
# the current month's partition and a month, once past, never gains rows again.
EVENTS = PartitionedTable("journeys_event", "received_at", "EVENT_RETENTION_DAYS", "Events")
STEPS = PartitionedTable("journeys_step", "at", "STEP_RETENTION_DAYS", "Journey steps")
DELIVERIES = PartitionedTable("journeys_delivery", "created_at", "DELIVERY_RETENTION_DAYS", "Deliveries")
COUNTERS = PartitionedTable(
    "journeys_nodestat",
    "hour",
    "COUNTER_RETENTION_DAYS",
    "Hourly node counters",
    fixed=(("gauge", GAUGE_PARTITION_END),),
)

TABLES = (EVENTS, STEPS, DELIVERIES, COUNTERS)


def by_name(table: str) -> PartitionedTable:
    for spec in TABLES:
        if spec.table == table:
            return spec
    raise KeyError(table)
