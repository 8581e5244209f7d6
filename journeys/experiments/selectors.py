"""Reads for experiment reports: counts from the exposure and conversion tables, then the statistics.

Every figure is "as of" a date range: customers first assigned in [start, end), conversions that happened
before `end`. A decided or stopped experiment takes no customers after its decision (those routed to the winner
are not part of the comparison), but the customers assigned before it keep converting within their windows.
"""

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from django.db import connection

from journeys.experiments import stats
from journeys.experiments.capture import GOAL_METRIC
from journeys.models import Experiment, Journey

FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
MAX_SERIES_POINTS = 400  # longer series are cut to their last 400 points (earlier ones still count)
HOURLY_UP_TO = timedelta(days=3)  # experiments shorter than this are charted per hour, longer ones per day


def journey_graph(journey: Journey) -> dict:
    """The graph customers run on: the current version's, or the draft before the first publish."""
    return journey.current_version.graph if journey.current_version_id else journey.graph


def split_nodes(journey: Journey) -> list[dict]:
    """[{id, label, variants}] for every split node of the graph customers run on."""
    nodes = []
    for node in journey_graph(journey).get("nodes", []):
        data = node.get("data") or {}
        if data.get("kind") == "split":
            config = data.get("config") or {}
            nodes.append({"id": node["id"], "label": data.get("label") or node["id"], "config": config})
    return nodes


def split_node(journey: Journey, node_id: str) -> dict | None:
    return next((n for n in split_nodes(journey) if n["id"] == node_id), None)


def journey_goal(journey: Journey) -> dict | None:
    """The primary metric: the goal of the settings customers run on (the draft's before the first publish)."""
    return (journey.current_version.settings if journey.current_version_id else journey.settings).get("goal")


def experiment_variants(experiment: Experiment) -> list[dict]:
    node = split_node(experiment.journey, experiment.node_id)
    return (node or {}).get("config", {}).get("variants") or []


def goal_counts(experiment: Experiment, *, end: datetime) -> dict[str, tuple[int, int]]:
    """{arm: (customers, goal conversions)} as of `end`: the experiment page's counts without its statistics."""
    low, high = _window(experiment, None, end)
    exposed, conversions = _totals(*_periodic(experiment, low, high, end, "day"))
    goal = conversions.get(GOAL_METRIC, {})
    return {v["key"]: (exposed.get(v["key"], 0), goal.get(v["key"], 0)) for v in experiment_variants(experiment)}


def _window(experiment: Experiment, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    low = start or FAR_PAST
    high = end or FAR_FUTURE
    if experiment.ended_at and experiment.ended_at < high:
        high = experiment.ended_at
    return low, high


def _periodic(experiment: Experiment, low: datetime, high: datetime, until: datetime, unit: str) -> tuple[list, list]:
    """Exposures per (UTC period, variant) and conversions (before `until`) per (UTC period, metric, variant): the
    two scans a page needs, from which both the totals and the series are summed. `unit` is "hour" or "day"."""
    key = [experiment.journey_id, experiment.node_id, low, high]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc(%s, assigned_at AT TIME ZONE 'UTC'), variant, count(*) FROM journeys_experimentexposure"
            " WHERE journey_id = %s AND node_id = %s AND assigned_at >= %s AND assigned_at < %s GROUP BY 1, 2",
            [unit, *key],
        )
        exposed = cursor.fetchall()
        cursor.execute(
            "SELECT date_trunc(%s, at AT TIME ZONE 'UTC'), metric, variant, count(*) FROM journeys_experimentconversion"
            " WHERE journey_id = %s AND node_id = %s AND assigned_at >= %s AND assigned_at < %s AND at < %s"
            " GROUP BY 1, 2, 3",
            [unit, *key, until],
        )
        converted = cursor.fetchall()
    return exposed, converted


def _totals(exposed_rows, converted_rows) -> tuple[dict, dict]:
    """({variant: exposed}, {metric: {variant: conversions}})."""
    exposed: dict[str, int] = defaultdict(int)
    for _, variant, n in exposed_rows:
        exposed[variant] += n
    conversions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, metric, variant, n in converted_rows:
        conversions[metric][variant] += n
    return exposed, conversions


def _expected_shares(experiment: Experiment, variants: list[dict], allocations: list, low, high) -> dict[str, float]:
    """Each arm's expected number of customers under the weights in force when they arrived.

    With fixed weights that is just the weights. A bandit changes them; customers arriving in each period
    between reallocations are then expected in that period's proportions, so the sample ratio check tests the
    assignment itself and not the bandit's moves.
    """
    configured = {v["key"]: float(v["weight"]) for v in variants}
    if not allocations:
        return configured
    boundaries = [at for at, _ in allocations]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT width_bucket(assigned_at, %s::timestamptz[]), count(*) FROM journeys_experimentexposure"
            " WHERE journey_id = %s AND node_id = %s AND assigned_at >= %s AND assigned_at < %s GROUP BY 1",
            [boundaries, experiment.journey_id, experiment.node_id, low, high],
        )
        per_period = dict(cursor.fetchall())
    expected = dict.fromkeys(configured, 0.0)
    for period, count in per_period.items():
        weights = configured if period == 0 else allocations[period - 1][1]
        total = sum(weights.get(k, 0) for k in configured) or 1
        for key in configured:
            expected[key] += count * weights.get(key, 0) / total
    return expected


def _arms(variants, exposed, conversions, weights) -> list[stats.VariantCounts]:
    return [
        stats.VariantCounts(
            key=v["key"],
            exposed=exposed.get(v["key"], 0),
            conversions=conversions.get(v["key"], 0),
            weight=weights.get(v["key"], 0.0),
            control=bool(v.get("control")),
        )
        for v in variants
    ]


def _summary_dict(summary: stats.ExperimentSummary, *, corrected: bool = True) -> dict:
    data = asdict(summary)
    if not corrected:
        for variant in data["variants"]:
            variant["p_value_adjusted"] = None
    return data


def _series(exposed_rows, all_converted_rows, variants: list[dict], *, unit: str, alpha: float) -> list[dict]:
    """Per UTC hour or day: each arm's cumulative customers and cumulative goal rate with its Wilson interval."""
    converted_rows = [(d, v, n) for d, metric, v, n in all_converted_rows if metric == GOAL_METRIC]
    if not exposed_rows:
        return []
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    periods = sorted({d for d, _, _ in exposed_rows} | {d for d, _, _ in converted_rows})
    first, last = periods[0], periods[-1]
    if (last - first) / step >= MAX_SERIES_POINTS:
        first = last - step * (MAX_SERIES_POINTS - 1)
    daily_exposed = {(d, v): n for d, v, n in exposed_rows}
    daily_converted = {(d, v): n for d, v, n in converted_rows}
    keys = [v["key"] for v in variants]
    totals = dict.fromkeys(keys, 0)
    converted = dict.fromkeys(keys, 0)
    # Periods before the cut still count towards the cumulative totals.
    for d, v, n in exposed_rows:
        if d < first and v in totals:
            totals[v] += n
    for d, v, n in converted_rows:
        if d < first and v in converted:
            converted[v] += n
    points = []
    day = first
    while day <= last:
        label = day.strftime("%Y-%m-%d %H:00") if unit == "hour" else day.strftime("%Y-%m-%d")
        point = {"period": label, "variants": {}}
        for k in keys:
            totals[k] += daily_exposed.get((day, k), 0)
            converted[k] += daily_converted.get((day, k), 0)
            rate = stats.wilson_interval(min(converted[k], totals[k]), totals[k], alpha=alpha)
            point["variants"][k] = {
                "exposed": totals[k],
                "conversions": converted[k],
                "rate": rate.value,
                "low": rate.low,
                "high": rate.high,
            }
        points.append(point)
        day += step
    return points


def experiment_report(
    experiment: Experiment,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    alpha: float = 0.05,
    with_series: bool = True,
) -> dict:
    """Every figure of the experiment page (and of its API and CSV), as plain JSON-ready data."""
    journey = experiment.journey
    node = split_node(journey, experiment.node_id) or {"id": experiment.node_id, "label": "", "config": {}}
    variants = node["config"].get("variants") or []
    low, high = _window(experiment, start, end)
    dates = _dates(experiment, low, high)
    first, last = dates["first_exposure_at"], dates["last_exposure_at"]
    unit = "hour" if first is None or last - first <= HOURLY_UP_TO else "day"
    exposed_rows, converted_rows = _periodic(experiment, low, high, end or FAR_FUTURE, unit)
    exposed, conversions = _totals(exposed_rows, converted_rows)
    # The reallocations before the range's end, oldest first: (at, weights).
    allocations = list(experiment.allocations.filter(at__lt=high).order_by("at").values_list("at", "weights"))
    weights = _expected_shares(experiment, variants, allocations, low, high)
    goal = journey_goal(journey)
    mde = experiment.minimum_detectable_effect

    primary = stats.experiment_summary(
        _arms(variants, exposed, conversions.get(GOAL_METRIC, {}), weights), alpha=alpha, mde=mde
    )
    metrics = []
    for metric in experiment.metrics.order_by("kind", "event"):
        counts = _arms(variants, exposed, conversions.get(str(metric.id), {}), weights)
        summary = stats.experiment_summary(counts, alpha=alpha, mde=mde)
        metrics.append(
            {
                "id": metric.id,
                "kind": metric.kind,
                "event": metric.event,
                "window_days": metric.window_days,
                # Guardrails watch for harm; they are read one by one and not corrected for multiplicity.
                "summary": _summary_dict(summary, corrected=metric.kind == "secondary"),
            }
        )
    notes = list(primary.notes)
    if not goal:
        notes.append("the journey has no goal, so there is no primary metric: set one in the journey settings")
    if allocations:
        notes.append(
            "a bandit changed the weights during the experiment: later customers were assigned with other weights"
            " than earlier ones, so pooled rates can mix periods; the sample ratio check allows for this"
        )
    return {
        "journey": {"id": journey.pk, "name": journey.name},
        "experiment": {
            "id": experiment.pk,
            "node_id": experiment.node_id,
            "label": node["label"],
            "status": experiment.status,
            "winner": experiment.winner,
            "variants": [
                {
                    "key": v["key"],
                    "weight": v["weight"],
                    "control": bool(v.get("control")),
                    "current_weight": _current_weight(experiment, v),
                }
                for v in variants
            ],
            "bandit": experiment.bandit,
            "bandit_interval_minutes": experiment.bandit_interval_minutes,
            "minimum_detectable_effect": mde,
            "created_at": experiment.created_at,
            "ended_at": experiment.ended_at,
            **dates,
        },
        "range": {"start": start, "end": end},
        "alpha": alpha,
        "goal": goal,
        "primary": _summary_dict(primary),
        "holm": sum(1 for v in variants if not v.get("control")) > 1 and primary.control_key is not None,
        "metrics": metrics,
        "notes": notes,
        "series": _series(exposed_rows, converted_rows, variants, unit=unit, alpha=alpha) if with_series else [],
        "series_unit": unit,
        "decisions": [
            {
                "kind": d.kind,
                "variant": d.variant,
                "note": d.note,
                "decided_by": d.decided_by.get_username() if d.decided_by else "",
                "decided_at": d.decided_at,
                "figures": d.figures,
            }
            for d in experiment.decisions.select_related("decided_by")
        ],
        "allocations": [
            {"at": a.at, "weights": a.weights, "counts": a.counts, "draws": a.draws}
            for a in experiment.allocations.all()[:200]
        ],
    }


def live_weights(experiment: Experiment | None, variants: list[dict]) -> dict[str, float]:
    """{arm: percent of new customers it gets now}, summing to 100 as the split node routes them.

    The graph's weights are shares (a draft may not sum to 100), so they are scaled like the node scales them.
    """
    if experiment is None:
        raw = {v["key"]: float(v.get("weight") or 0) for v in variants}
    else:
        raw = {v["key"]: _current_weight(experiment, v) for v in variants}
    total = sum(raw.values())
    if total <= 0:
        return {key: 0.0 for key in raw}
    return {key: round(weight * 100 / total, 2) for key, weight in raw.items()}


def _current_weight(experiment: Experiment, variant: dict) -> float:
    """The share of new customers the arm gets now: all or nothing after a decision, else bandit or graph."""
    if experiment.winner:
        return 100.0 if variant["key"] == experiment.winner else 0.0
    return float((experiment.weights or {}).get(variant["key"], variant["weight"]))


def _dates(experiment: Experiment, low, high) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(assigned_at), max(assigned_at) FROM journeys_experimentexposure"
            " WHERE journey_id = %s AND node_id = %s AND assigned_at >= %s AND assigned_at < %s",
            [experiment.journey_id, experiment.node_id, low, high],
        )
        first, last = cursor.fetchone()
    return {"first_exposure_at": first, "last_exposure_at": last}
