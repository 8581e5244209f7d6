"""Hourly count series from the database, keyed by what they count.

Keys: `all` (every event received), `source:<id>`, `event:<name>` (track events, the busiest
`MAX_EVENT_SERIES` names) and `node:<journey>:<node>:<metric>` for entered, converted and
errored (from the hourly NodeStat counters) and sent (from deliveries). Events are counted by
arrival (received_at), the ingestion volume operators need to trust; the BRIN index on
received_at keeps these range scans cheap.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from journeys.sql import bulk_cursor

NODE_METRICS = ("entered", "converted", "errored")
MAX_EVENT_SERIES = 200


@dataclass
class SeriesData:
    key: str
    counts: np.ndarray  # one per hour from `since`
    journey_id: int | None = None
    node_id: str = ""


def _fill(rows, since: datetime, hours: int, key_of) -> dict[str, np.ndarray]:
    series: dict[str, np.ndarray] = {}
    for *parts, hour, count in rows:
        index = int((hour - since).total_seconds() // 3600)
        if 0 <= index < hours:
            series.setdefault(key_of(*parts), np.zeros(hours))[index] += count
    return series


def series_build(*, since: datetime, until: datetime) -> list[SeriesData]:
    """Every watched series over whole hours [since, until)."""
    hours = int((until - since).total_seconds() // 3600)
    params = {"since": since, "until": until}
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT source_id, date_trunc('hour', received_at) AS hour, count(*) FROM journeys_event"
            " WHERE received_at >= %(since)s AND received_at < %(until)s GROUP BY 1, 2",
            params,
        )
        by_source = _fill(cursor.fetchall(), since, hours, lambda source: f"source:{source}")
        cursor.execute(
            "WITH counted AS (SELECT name, date_trunc('hour', received_at) AS hour, count(*) AS n FROM journeys_event"
            " WHERE received_at >= %(since)s AND received_at < %(until)s AND type = 'track' GROUP BY 1, 2),"
            " busiest AS (SELECT name FROM counted GROUP BY name ORDER BY sum(n) DESC LIMIT %(limit)s)"
            " SELECT name, hour, n FROM counted WHERE name IN (SELECT name FROM busiest)",
            {**params, "limit": MAX_EVENT_SERIES},
        )
        by_event = _fill(cursor.fetchall(), since, hours, lambda name: f"event:{name}")
        cursor.execute(
            "SELECT journey_id, node_id, metric, hour, sum(value)::bigint FROM journeys_nodestat"
            " WHERE hour >= %(since)s AND hour < %(until)s AND metric = ANY(%(metrics)s) GROUP BY 1, 2, 3, 4",
            {**params, "metrics": list(NODE_METRICS)},
        )
        by_node = _fill(
            cursor.fetchall(), since, hours, lambda journey, node, metric: f"node:{journey}:{node}:{metric}"
        )
        cursor.execute(
            "SELECT journey_id, node_id, date_trunc('hour', sent_at), count(*) FROM journeys_delivery"
            " WHERE sent_at >= %(since)s AND sent_at < %(until)s GROUP BY 1, 2, 3",
            params,
        )
        by_node.update(_fill(cursor.fetchall(), since, hours, lambda journey, node: f"node:{journey}:{node}:sent"))
    total = np.zeros(hours)
    for counts in by_source.values():
        total += counts
    result = [SeriesData("all", total)]
    result += [SeriesData(key, counts) for key, counts in by_source.items()]
    result += [SeriesData(key, counts) for key, counts in by_event.items()]
    for key, counts in by_node.items():
        _, journey, node, _ = key.split(":", 3)
        result.append(SeriesData(key, counts, journey_id=int(journey), node_id=node))
    return result


def series_one(*, key: str, since: datetime, until: datetime) -> np.ndarray | None:
    """One series by key (for the alert page's chart); None when the key names nothing."""
    for data in series_build(since=since, until=until):
        if data.key == key:
            return data.counts
    return None


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def history_start(until: datetime, weeks: int) -> datetime:
    return hour_floor(until) - timedelta(weeks=weeks)
