"""Reads for pages and the API: counters, who is where, a customer's path."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Upper

from journeys.metrics import DWELL_PREFIX, EXIT_PREFIX, GAUGE_HOUR
from journeys.models import Enrollment, EventName, Journey, ReviewRequest, Step

SEARCH_MAX_LENGTH = 100
# PostgreSQL text cannot hold NUL, so a search containing one matches nothing (and psycopg
# would refuse to send it).
NUL = "\x00"
SUGGESTIONS = 50
# The report pages' own counters (exits by reason, wait times) are not live canvas metrics; they
# are most of a journey's counter rows, so the live reads leave them out before summing.
LIVE_METRICS_ONLY = "".join(f" AND {{table}}.metric NOT LIKE '{prefix}%%'" for prefix in (EXIT_PREFIX, DWELL_PREFIX))
# Attribute keys are read from a sample of profiles, never from the whole table.
ATTRIBUTE_SAMPLE_NEWEST = 2000
ATTRIBUTE_SAMPLE_RANDOM = 3000


def node_counters(journey_id: int, *, since: datetime | None = None) -> dict[str, dict[str, int]]:
    """{node_id: {metric: value}}, summed over shards; flow counters from `since` (hour-aligned) on.

    `waiting` is a gauge and always the current figure.
    """
    counters: dict[str, dict[str, int]] = defaultdict(dict)
    if since is None:
        rows = [row[1:] for row in _all_time_counters([journey_id], gauges=True, live_only=True)]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.node_id, s.metric, sum(s.value) FROM journeys_nodestat s"
                f" WHERE s.journey_id = %s AND (s.hour = %s OR s.hour >= %s){LIVE_METRICS_ONLY.format(table='s')}"
                " GROUP BY s.node_id, s.metric",
                [journey_id, GAUGE_HOUR, since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)],
            )
            rows = cursor.fetchall()
    for node_id, metric, value in rows:
        counters[node_id][metric] = int(value)
    return dict(counters)


# Every flow counter row is at or after this hour; the gauges sit at GAUGE_HOUR before it.
FIRST_FLOW_HOUR = GAUGE_HOUR + timedelta(hours=1)


def _all_time_counters(
    journey_ids: list[int], *, metrics: list[str] | None = None, gauges: bool = False, live_only: bool = False
) -> list:
    """(journey_id, node_id, metric, value) rows: NodeStatTotal plus the hourly rows from its `through` on.

    One statement, so a refresh committing meanwhile cannot make an hour count twice or not at
    all. The hourly part reads only the last few hours through the (journey, hour) index.
    """
    only = " AND {table}.metric = ANY(%(metrics)s)" if metrics is not None else ""
    if live_only:
        only += LIVE_METRICS_ONLY
    gauge_rows = (
        " UNION ALL SELECT g.journey_id, g.node_id, g.metric, g.value FROM journeys_nodestat g"
        " WHERE g.journey_id = ANY(%(ids)s) AND g.hour = %(gauge)s"
        if gauges
        else ""
    )
    sql = (
        "WITH cut AS ("
        "  SELECT j.id AS journey_id, COALESCE("
        "    (SELECT t.through FROM journeys_nodestattotal t WHERE t.journey_id = j.id LIMIT 1), %(first)s"
        "  ) AS through FROM unnest(%(ids)s::bigint[]) AS j(id)"
        ")"
        " SELECT journey_id, node_id, metric, sum(value) FROM ("
        "  SELECT t.journey_id, t.node_id, t.metric, t.value FROM journeys_nodestattotal t"
        f"  WHERE t.journey_id = ANY(%(ids)s){only.format(table='t')}"
        "  UNION ALL SELECT s.journey_id, s.node_id, s.metric, s.value FROM cut"
        "  JOIN journeys_nodestat s ON s.journey_id = cut.journey_id AND s.hour >= cut.through"
        f"  {only.format(table='s')}{gauge_rows}"
        " ) counted GROUP BY journey_id, node_id, metric"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"ids": list(journey_ids), "first": FIRST_FLOW_HOUR, "gauge": GAUGE_HOUR, "metrics": metrics}
        )
        return cursor.fetchall()


def enrollments_at(journey_id: int, *, node_id: str | None = None, status: str | None = None):
    queryset = Enrollment.objects.filter(journey_id=journey_id).select_related("customer", "version")
    if node_id:
        queryset = queryset.filter(node_id=node_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-id")


def customer_journey_history(customer_id: int) -> list[dict]:
    """Every enrollment of the customer, newest first, each with its steps and their reasons."""
    enrollments = list(
        Enrollment.objects.filter(customer_id=customer_id).select_related("journey", "version").order_by("-id")[:100]
    )
    steps = defaultdict(list)
    for step in Step.objects.filter(enrollment__in=enrollments).order_by("id"):
        steps[step.enrollment_id].append(step)
    return [{"enrollment": enrollment, "steps": steps[enrollment.id]} for enrollment in enrollments]


# --- the journeys list


def journeys_list(
    *, status: str | None = None, search: str | None = None, in_review: bool = False
) -> QuerySet[Journey]:
    """Journeys for the list page and API, most recently edited first; `search` matches the name.

    Each carries `in_review`: its draft waits for a Reviewer's decision (a journey has at most one
    pending review). `in_review=True` keeps only those.
    """
    pending = ReviewRequest.objects.filter(journey=OuterRef("pk"), status=ReviewRequest.Status.PENDING)
    queryset = (
        Journey.objects.select_related("current_version")
        .annotate(in_review=Exists(pending))
        .order_by("-updated_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    if in_review:
        queryset = queryset.filter(in_review=True)
    if search and search.strip():
        if NUL in search:
            return queryset.none()
        queryset = queryset.filter(name__icontains=search.strip()[:SEARCH_MAX_LENGTH])
    return queryset


def journey_totals(journeys: list[Journey]) -> dict[int, dict[str, int]]:
    """{journey_id: {entered, active, converted}} from the maintained counters, in one query.

    `entered` is the journey's own entry count; exits, errors and conversions are summed from
    the per-node flow counters. Active is what entered and has not left: counting the active
    enrollments instead would read an index entry per customer inside, millions for a big journey.
    """
    if not journeys:
        return {}
    totals = {j.pk: {"entered": j.entered_count, "active": 0, "converted": 0, "_left": 0} for j in journeys}
    for journey_id, _node_id, metric, value in _all_time_counters(
        list(totals), metrics=["exited", "errored", "converted"]
    ):
        totals[journey_id]["converted" if metric == "converted" else "_left"] += int(value)
    for figures in totals.values():
        figures["active"] = max(0, figures["entered"] - figures.pop("_left"))
    return totals


# --- suggestions for the editor's pickers


def event_names(*, prefix: str = "", limit: int = SUGGESTIONS) -> list[str]:
    """Track event names seen, alphabetically in any case, those starting with `prefix` (any case)."""
    if NUL in prefix:
        return []
    queryset = EventName.objects.order_by(Upper("name"), "name")
    if prefix:
        queryset = queryset.filter(name__istartswith=prefix[:255])
    return list(queryset.values_list("name", flat=True)[:limit])


def attribute_keys(*, prefix: str = "", limit: int = SUGGESTIONS) -> list[dict[str, str]]:
    """Customer attribute keys seen, each with its most frequent JSON type, alphabetically.

    Read from the newest profiles plus a random sample of table pages, so the cost does not
    grow with the number of customers; a key held only by a few old profiles may be missed.
    """
    if NUL in prefix:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'journeys_customer'::regclass")
        estimated = max(float(cursor.fetchone()[0]), 1.0)
        percent = min(100.0, 100.0 * ATTRIBUTE_SAMPLE_RANDOM / estimated)
        cursor.execute(
            "WITH sample AS ("
            "  (SELECT attributes FROM journeys_customer ORDER BY id DESC LIMIT %s)"
            "  UNION ALL (SELECT attributes FROM journeys_customer TABLESAMPLE SYSTEM (%s) LIMIT %s)"
            "), typed AS ("
            "  SELECT a.key, jsonb_typeof(a.value) AS type, count(*) AS seen"
            "  FROM sample, jsonb_each(CASE WHEN jsonb_typeof(sample.attributes) = 'object'"
            "                         THEN sample.attributes ELSE '{}'::jsonb END) a"
            "  WHERE jsonb_typeof(a.value) <> 'null' AND upper(a.key) LIKE upper(%s) || '%%'"
            "  GROUP BY a.key, jsonb_typeof(a.value)"
            ")"
            " SELECT DISTINCT ON (key) key, type FROM typed ORDER BY key, seen DESC, type LIMIT %s",
            [ATTRIBUTE_SAMPLE_NEWEST, percent, ATTRIBUTE_SAMPLE_RANDOM, _like_escape(prefix[:255]), limit],
        )
        return [{"name": key, "type": type_} for key, type_ in cursor.fetchall()]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
