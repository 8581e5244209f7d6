"""Sending outbox deliveries on real channels: see worker.py for the exactly-once protocol."""

import time

from django.db import connection
from django.utils import timezone

from journeys.delivery.worker import deliveries_send

__all__ = ["deliveries_run", "deliveries_send", "next_due_in"]


def next_due_in() -> float | None:
    """Seconds until the next queued delivery becomes due (0 when one is due now); None when none is queued."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(not_before) FROM journeys_delivery WHERE status = 'queued'")
        due = cursor.fetchone()[0]
        if due is None:
            cursor.execute("SELECT min(lease_until) FROM journeys_delivery WHERE status = 'sending'")
            due = cursor.fetchone()[0]
    if due is None:
        return None
    return max(0.0, (due - timezone.now()).total_seconds())


def deliveries_run(*, seconds: float = 50, linger: float = 5) -> int:
    """Send batches for up to `seconds`; wait for rows due within `linger` seconds (rate limits, retries).

    Returns how many rows were handled. Rows due later are picked up by the next run (the
    one-minute schedule, or the kick after an engine commit).
    """
    handled = 0
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        done = deliveries_send()
        handled += done
        if done:
            continue
        due_in = next_due_in()
        if due_in is None or due_in > linger or time.monotonic() + due_in > stop_at:
            break
        time.sleep(max(0.05, due_in))
    return handled
