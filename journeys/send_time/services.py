"""Learning send-time profiles from engagement: delivery opens and clicks, and session events."""

from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from journeys.models import SendTimePopulation, SendTimeProfile
from journeys.models.customers import timezone_names
from journeys.send_time.profile import HOURS_IN_WEEK, fit_habits, population_shares
from journeys.sql import bulk_cursor

# Habits older than this say little about today's; 13 weeks also bounds the refresh's reads.
LOOKBACK_DAYS = 91
# Track events that mark the start of a session (Segment's spec names); page and screen views count too.
SESSION_EVENTS = ("Session Started", "Application Opened")

ENGAGEMENT_SQL = """
WITH moments AS (
    SELECT customer_id, opened_at AS at FROM journeys_delivery WHERE opened_at >= %(since)s AND opened_at < %(now)s
    UNION ALL
    SELECT customer_id, clicked_at FROM journeys_delivery WHERE clicked_at >= %(since)s AND clicked_at < %(now)s
    UNION ALL
    SELECT customer_id, "timestamp" FROM journeys_event
    WHERE received_at >= %(since)s AND received_at < %(now)s
      AND (type IN ('page', 'screen') OR (type = 'track' AND name = ANY(%(sessions)s)))
), local AS (
    SELECT m.customer_id,
           m.at AT TIME ZONE (CASE WHEN c.timezone = ANY(%(zones)s) THEN c.timezone ELSE %(default)s END) AS at
    FROM moments m JOIN journeys_customer c ON c.id = m.customer_id
)
SELECT customer_id, (extract(isodow FROM at)::int - 1) * 24 + extract(hour FROM at)::int AS hour_of_week, count(*)
FROM local GROUP BY 1, 2
"""


def _known_zones() -> list[str]:
    """Zone names both Python and PostgreSQL know, so the SQL and the wait node read a customer alike."""
    with bulk_cursor() as cursor:
        cursor.execute("SELECT name FROM pg_timezone_names")
        return sorted(timezone_names() & {row[0] for row in cursor.fetchall()})


def send_time_refresh(*, now: datetime | None = None) -> int:
    """Recompute every customer's hour-of-week counts and the population's habits; return the customers profiled.

    The population's shares are the mean of each customer's own shares, so a few very active
    customers do not set everyone's pattern; the habit classes (the prior each customer's
    posterior is drawn from) are learnt from the same profiles by EM.
    """
    now = now or timezone.now()
    with bulk_cursor() as cursor:
        cursor.execute(
            ENGAGEMENT_SQL,
            {
                "since": now - timedelta(days=LOOKBACK_DAYS),
                "now": now,
                "sessions": list(SESSION_EVENTS),
                "zones": _known_zones(),
                "default": settings.DEFAULT_CUSTOMER_TIMEZONE,
            },
        )
        rows = cursor.fetchall()
    counts: dict[int, list[int]] = {}
    for customer_id, how, count in rows:
        counts.setdefault(customer_id, [0] * HOURS_IN_WEEK)[how] = count
    matrix = np.array(list(counts.values()), dtype=float).reshape(len(counts), HOURS_IN_WEEK)
    mean_shares = (matrix / matrix.sum(axis=1, keepdims=True)).sum(axis=0) if counts else [0.0] * HOURS_IN_WEEK
    shares = population_shares(mean_shares)
    habits = fit_habits(matrix)
    with transaction.atomic():
        SendTimeProfile.objects.all().delete()
        SendTimeProfile.objects.bulk_create(
            (
                SendTimeProfile(customer_id=customer_id, counts=profile, total=sum(profile), updated_at=now)
                for customer_id, profile in counts.items()
            ),
            batch_size=2000,
        )
        if counts:
            SendTimePopulation.objects.update_or_create(
                id=1,
                defaults={
                    "shares": shares,
                    "habits": habits.to_json() if habits else [],
                    "customers": len(counts),
                    "engagements": sum(sum(profile) for profile in counts.values()),
                    "updated_at": now,
                },
            )
    return len(counts)
