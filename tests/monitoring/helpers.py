"""Weeks of steady hourly events, so the monitoring job has a seasonal baseline to judge against."""

import itertools
from datetime import datetime, timedelta

from journeys.models import Event

_ids = itertools.count(1)


def steady_events(*, source, customer, until: datetime, weeks: int = 3, per_hour: int = 6, name: str = "Page Viewed"):
    """`per_hour` track events in every hour of the `weeks` before `until` (an hour boundary)."""
    rows = []
    start = until - timedelta(weeks=weeks)
    hour = start
    while hour < until:
        for minute in range(per_hour):
            at = hour + timedelta(minutes=minute * 5)
            rows.append(
                Event(
                    source=source,
                    customer=customer,
                    type="track",
                    name=name,
                    message_id=f"steady-{next(_ids)}",
                    timestamp=at,
                    received_at=at,
                )
            )
        hour += timedelta(hours=1)
    Event.objects.bulk_create(rows, batch_size=5000)


def burst(*, source, customer, at: datetime, count: int, name: str = "Page Viewed"):
    Event.objects.bulk_create(
        Event(
            source=source,
            customer=customer,
            type="track",
            name=name,
            message_id=f"burst-{next(_ids)}",
            timestamp=at,
            received_at=at,
        )
        for _ in range(count)
    )
