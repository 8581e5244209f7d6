"""Reads for pages and the API: counters, who is where, a customer's path."""

from collections import defaultdict
from datetime import UTC, datetime

from django.db import connection

from journeys.engine.batch import GAUGE_HOUR
from journeys.models import Enrollment, Step


def node_counters(journey_id: int, *, since: datetime | None = None) -> dict[str, dict[str, int]]:
    """{node_id: {metric: value}}, summed over shards; flow counters from `since` (hour-aligned) on.

    `waiting` is a gauge and always the current figure.
    """
    sql = "SELECT node_id, metric, sum(value) FROM journeys_nodestat WHERE journey_id = %s AND (hour = %s"
    params: list = [journey_id, GAUGE_HOUR]
    if since is None:
        sql += " OR hour > %s)"
        params.append(GAUGE_HOUR)
    else:
        sql += " OR hour >= %s)"
        params.append(since.astimezone(UTC).replace(minute=0, second=0, microsecond=0))
    # The report pages' own counters (exits by reason, wait times) are not live canvas metrics.
    sql += " AND metric NOT LIKE 'exit:%%' AND metric NOT LIKE 'dwell:%%' GROUP BY node_id, metric"
    counters: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for node_id, metric, value in cursor.fetchall():
            counters[node_id][metric] = int(value)
    return dict(counters)


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
