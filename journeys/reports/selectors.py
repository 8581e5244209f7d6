"""Reads for the journey report: every figure from the hourly NodeStat counters, plus one grouped count of the
outbox for deliveries, so the page costs the same for a thousand enrollments or a million.

Counters are hourly, so a date range is applied to whole hours (its start and end rounded down to the hour).
"""

import math
from collections import defaultdict, deque
from datetime import UTC, datetime

from django.db import connection

from journeys import nodes as registry
from journeys.experiments.selectors import journey_graph
from journeys.metrics import DWELL_PREFIX, EXIT_PREFIX, GAUGE_HOUR, bucket_bounds
from journeys.models import Journey
from journeys.retention.partitions import oldest_month_kept
from journeys.retention.tables import COUNTERS

FAR_PAST = datetime(1970, 1, 1, 1, tzinfo=UTC)  # after GAUGE_HOUR, so the gauge row is never summed
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
METHOD_DWELL = "from log-spaced wait-time buckets (each a factor of sqrt 2 wide), geometric interpolation"
METHOD_CONVERSION = "cumulative goal conversions / cumulative entries, by day of the event (UTC)"
MAX_FLOWS = 200


def _hour(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return max(FAR_PAST, value.astimezone(UTC).replace(minute=0, second=0, microsecond=0))


def _graph_nodes(journey: Journey) -> tuple[list[dict], list[dict]]:
    graph = journey_graph(journey)
    nodes = []
    for node in graph.get("nodes", []):
        data = node.get("data") or {}
        kind = data.get("kind", "")
        node_type = registry.get(kind)
        nodes.append(
            {
                "id": node["id"],
                "kind": kind,
                "label": data.get("label") or (node_type.label if node_type else kind) or node["id"],
                "ports": node_type.output_ports(data.get("config") or {}) if node_type else [],
                "trigger": bool(node_type and node_type.category == "trigger"),
            }
        )
    return nodes, graph.get("edges", [])


def _order(nodes: list[dict], edges: list[dict]) -> list[dict]:
    """Nodes in the order customers meet them: breadth first from the triggers, then any left over."""
    successors = defaultdict(list)
    for edge in edges:
        successors[edge.get("source")].append(edge.get("target"))
    by_id = {n["id"]: n for n in nodes}
    queue = deque(n["id"] for n in nodes if n["trigger"])
    seen: list[str] = []
    while queue:
        node_id = queue.popleft()
        if node_id in seen or node_id not in by_id:
            continue
        seen.append(node_id)
        queue.extend(successors[node_id])
    seen += [n["id"] for n in nodes if n["id"] not in seen]
    return [by_id[i] for i in seen]


def _percentile(histogram: dict[int, int], fraction: float) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    target = fraction * total
    running = 0
    for k in sorted(histogram):
        count = histogram[k]
        if running + count >= target:
            low, high = bucket_bounds(k)
            share = (target - running) / count
            if low == 0:
                return high * share  # the first bucket starts at zero: linear
            return low * math.exp(share * math.log(high / low))
        running += count
    return bucket_bounds(max(histogram))[1]


def journey_report(journey: Journey, *, start: datetime | None = None, end: datetime | None = None) -> dict:
    """Funnel, conversion over time, time per node, exits by reason, deliveries, and flows for the Sankey."""
    low, high = _hour(start, FAR_PAST), _hour(end, FAR_FUTURE)
    nodes, edges = _graph_nodes(journey)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT node_id, metric, sum(value) FROM journeys_nodestat WHERE journey_id = %s AND hour >= %s"
            " AND hour < %s GROUP BY 1, 2",
            [journey.pk, low, high],
        )
        counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for node_id, metric, value in cursor.fetchall():
            counters[node_id][metric] += int(value)
        cursor.execute(
            "SELECT node_id, sum(value) FROM journeys_nodestat WHERE journey_id = %s AND hour = %s"
            " AND metric = 'waiting' GROUP BY 1",
            [journey.pk, GAUGE_HOUR],
        )
        waiting = {node_id: int(value) for node_id, value in cursor.fetchall()}
        cursor.execute(
            "SELECT (date_trunc('day', hour AT TIME ZONE 'UTC'))::date, metric, sum(value)"
            " FROM journeys_nodestat WHERE journey_id = %s AND hour >= %s AND hour < %s"
            " AND (metric = 'converted' OR (metric = 'entered' AND node_id = ANY(%s))) GROUP BY 1, 2 ORDER BY 1",
            [journey.pk, low, high, [n["id"] for n in nodes if n["trigger"]]],
        )
        daily = cursor.fetchall()
        cursor.execute(
            "SELECT channel, status, count(*) FROM journeys_delivery WHERE journey_id = %s AND created_at >= %s"
            " AND created_at < %s GROUP BY 1, 2 ORDER BY 1, 2",
            [journey.pk, low, high],
        )
        deliveries = [{"channel": c, "status": s, "count": n} for c, s, n in cursor.fetchall()]
        # Hours that retention dropped are still in the canvas's all-time totals, not in ranges
        # read here: say from when the hourly figures run, so the two can be told apart.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM journeys_nodestattotal WHERE journey_id = %s AND retired > 0)", [journey.pk]
        )
        hourly_since = oldest_month_kept(cursor, COUNTERS) if cursor.fetchone()[0] else None

    ordered = _order(nodes, edges)
    entries = sum(counters[n["id"]]["entered"] for n in nodes if n["trigger"])
    converted = sum(c["converted"] for c in counters.values())
    exited = sum(c["exited"] for c in counters.values())
    errored = sum(c["errored"] for c in counters.values())

    def share(count):
        return count / entries if entries else None

    funnel = [{"step": "Entered the journey", "node_id": "", "kind": "", "count": entries, "share": share(entries)}]
    for node in ordered:
        if node["trigger"]:
            continue
        count = counters[node["id"]]["entered"]
        funnel.append(
            {"step": node["label"], "node_id": node["id"], "kind": node["kind"], "count": count, "share": share(count)}
        )
    funnel += [
        {"step": "Reached the goal", "node_id": "", "kind": "goal", "count": converted, "share": share(converted)},
        {"step": "Exited", "node_id": "", "kind": "exit", "count": exited, "share": share(exited)},
        {"step": "Errored", "node_id": "", "kind": "error", "count": errored, "share": share(errored)},
    ]

    time_per_node = []
    for node in ordered:
        histogram = {
            int(metric[len(DWELL_PREFIX) :]): value
            for metric, value in counters[node["id"]].items()
            if metric.startswith(DWELL_PREFIX)
        }
        if histogram or waiting.get(node["id"]):
            time_per_node.append(
                {
                    "node_id": node["id"],
                    "label": node["label"],
                    "finished_waits": sum(histogram.values()),
                    "waiting_now": waiting.get(node["id"], 0),
                    "median_seconds": _percentile(histogram, 0.5),
                    "p90_seconds": _percentile(histogram, 0.9),
                }
            )

    exits: dict[str, int] = defaultdict(int)
    for node_counters in counters.values():
        for metric, value in node_counters.items():
            if metric.startswith(EXIT_PREFIX):
                exits[metric[len(EXIT_PREFIX) :]] += value
    exits_by_reason = [
        {"reason": reason, "count": count, "share": count / (exited + errored) if exited + errored else None}
        for reason, count in sorted(exits.items(), key=lambda item: (-item[1], item[0]))
    ]

    series = []
    cumulative_entries = cumulative_conversions = 0
    by_day: dict = defaultdict(lambda: {"entered": 0, "converted": 0})
    for day, metric, value in daily:
        by_day[day][metric] += int(value)
    for day in sorted(by_day):
        cumulative_entries += by_day[day]["entered"]
        cumulative_conversions += by_day[day]["converted"]
        series.append(
            {
                "day": day.isoformat(),
                "entered": by_day[day]["entered"],
                "converted": by_day[day]["converted"],
                "cumulative_rate": cumulative_conversions / cumulative_entries if cumulative_entries else None,
            }
        )

    labels = {n["id"]: n["label"] for n in nodes}
    ports = {n["id"]: n["ports"] for n in nodes}
    flows = []
    for edge in edges:
        source, target = edge.get("source"), edge.get("target")
        port = edge.get("sourceHandle") or (ports.get(source) or ["next"])[0]
        count = counters[source][f"passed:{port}"]
        if count:
            flows.append(
                {
                    "from": labels.get(source, source),
                    "to": labels.get(target, target),
                    "from_id": source,
                    "to_id": target,
                    "port": port,
                    "count": count,
                }
            )
    for node in nodes:
        for outcome, metric in (("Exited", "exited"), ("Errored", "errored")):
            if count := counters[node["id"]][metric]:
                flows.append(
                    {
                        "from": node["label"],
                        "to": outcome,
                        "from_id": node["id"],
                        "to_id": "",
                        "port": "",
                        "count": count,
                    }
                )
    flows.sort(key=lambda f: (-f["count"], f["from"], f["to"]))

    return {
        "journey": {"id": journey.pk, "name": journey.name, "status": journey.status},
        "range": {"start": start, "end": end, "hour_start": low if start else None, "hour_end": high if end else None},
        # Set once retention has dropped some of this journey's hourly counters: the figures here
        # start then (docs/retention.md).
        "hourly_since": hourly_since,
        "totals": {"entries": entries, "converted": converted, "exited": exited, "errored": errored},
        "funnel": funnel,
        "conversion_series": series,
        "conversion_method": METHOD_CONVERSION,
        "time_per_node": time_per_node,
        "dwell_method": METHOD_DWELL,
        "exits_by_reason": exits_by_reason,
        "deliveries": deliveries,
        "flows": flows[:MAX_FLOWS],
    }
