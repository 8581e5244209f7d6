"""The engine's side of experiments: exposures and conversions, written inside its batch transactions.

Both are one set-based statement per batch, and the conversion statement only runs when an event of the batch
is a goal or metric event, so the engine's hot path pays next to nothing for experiments it does not run.
"""

from collections import defaultdict
from datetime import timedelta

from journeys.conditions import filters_match
from journeys.sql import bulk_cursor

GOAL_METRIC = "goal"


def write_exposures(cursor, columns: list[list]) -> None:
    """First assignments become exposures; a customer seen at the node before keeps their first row.

    `columns` are the split assignment columns of the batch: enrollment, journey, customer, node, visit,
    variant, assigned_at.
    """
    _, journeys, customers, nodes, _, variants, ats = columns
    cursor.execute(
        "INSERT INTO journeys_experimentexposure (journey_id, customer_id, node_id, variant, assigned_at)"
        " SELECT DISTINCT ON (c, j, n) j, c, n, v, a FROM unnest(%b::bigint[], %b::bigint[], %b::text[],"
        " %b::text[], %b::timestamptz[]) AS t(j, c, n, v, a) ORDER BY c, j, n, a"
        " ON CONFLICT (customer_id, journey_id, node_id) DO NOTHING",
        [journeys, customers, nodes, variants, ats],
    )


def _metric_specs(events, catalog) -> dict[str, list[tuple[int, str | None, str, timedelta, list]]]:
    """event name -> [(journey id, node id or None for every split, metric key, window, filters)]."""
    names = {e.name for e in events if e.type == "track"}
    specs: dict[str, list] = defaultdict(list)
    if not names:
        return specs
    for name in names:
        for journey_id, version_id, goal in catalog.goals.get(name, []):
            # The experiment's primary metric is the goal of the version new customers run on.
            if catalog.journeys[journey_id].version_id == version_id:
                window = timedelta(days=goal.get("window_days", 7))
                specs[name].append((journey_id, None, GOAL_METRIC, window, goal.get("filters") or []))
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.event, m.window_days, x.journey_id, x.node_id FROM journeys_experimentmetric m"
            " JOIN journeys_experiment x ON x.id = m.experiment_id WHERE m.event = ANY(%s)",
            [sorted(names)],
        )
        for metric_id, event, window_days, journey_id, node_id in cursor.fetchall():
            specs[event].append((journey_id, node_id, str(metric_id), timedelta(days=window_days), []))
    return specs


def record_conversions(events, catalog) -> None:
    """Record, for exposed customers, the first goal or metric event within its window after assignment.

    The time compared is when the event reached us (as the engine's goals do), so a device clock cannot move
    a conversion in or out of a window.
    """
    specs = _metric_specs(events, catalog)
    if not specs:
        return
    rows = []
    for event in events:
        if event.type != "track":
            continue
        for journey_id, node_id, metric, window, filters in specs.get(event.name, []):
            if filters_match(filters, event.properties):
                rows.append((event.customer_id, journey_id, node_id, metric, event.received_at, window))
    if not rows:
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_experimentconversion"
            " (exposure_id, journey_id, node_id, variant, metric, assigned_at, at)"
            " SELECT DISTINCT ON (x.id, t.m) x.id, x.journey_id, x.node_id, x.variant, t.m, x.assigned_at, t.a"
            " FROM unnest(%b::bigint[], %b::bigint[], %b::text[], %b::text[], %b::timestamptz[], %b::interval[])"
            " AS t(c, j, n, m, a, w)"
            " JOIN journeys_experimentexposure x ON x.customer_id = t.c AND x.journey_id = t.j"
            " AND (t.n IS NULL OR x.node_id = t.n) AND t.a >= x.assigned_at AND t.a <= x.assigned_at + t.w"
            " ORDER BY x.id, t.m, t.a"
            " ON CONFLICT (exposure_id, metric) DO NOTHING",
            columns,
        )
