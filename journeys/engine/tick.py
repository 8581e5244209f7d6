"""The tick: claim due enrollments in a batch, advance them in memory, write everything at once."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from journeys.engine.batch import BatchWriter
from journeys.engine.changes import state_changes
from journeys.engine.runner import JourneyFailure, load_customers
from journeys.engine.state import EnrollmentState, claim_sql, state_cursor
from journeys.sql import bulk_cursor

logger = logging.getLogger(__name__)

# Journeys whose customers move: paused ones hold everyone where they are.
MOVING_STATUSES = ("live", "closed")


@dataclass
class TickResult:
    claimed: int
    deliveries: int


def tick(*, now: datetime | None = None, batch_size: int | None = None) -> TickResult:
    """Advance one batch of due enrollments in one transaction. Safe to run in many workers at once.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so two workers never take the same row; a
    worker that dies mid-batch loses its transaction and the rows are claimed again later.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.ENGINE_BATCH_SIZE
    with transaction.atomic(), state_cursor() as cursor:
        cursor.execute(
            claim_sql(
                "e.status = 'active' AND e.due_at <= %s AND e.journey_id IN"
                " (SELECT id FROM journeys_journey WHERE status = ANY(%s))"
            ),
            [now, list(MOVING_STATUSES), batch_size],
        )
        rows = cursor.fetchall()
        if not rows:
            return TickResult(claimed=0, deliveries=0)
        broken: dict[int, str] = {}
        while True:
            try:
                # A savepoint: a database error while handling one journey rolls back to here, and
                # the batch runs again with that journey's customers errored, the others moving on.
                with transaction.atomic():
                    writer = _advance_batch(rows, now, broken)
                break
            except JourneyFailure as failure:
                if failure.journey_id in broken:
                    raise
                logger.error(
                    "tick: journey %s failed, its customers in this batch are errored",
                    failure.journey_id,
                    exc_info=failure.error,
                )
                broken[failure.journey_id] = failure.reason
    return TickResult(claimed=len(rows), deliveries=writer.delivery_count)


def _advance_batch(rows: list, now: datetime, broken: dict[int, str]) -> BatchWriter:
    # States and customers are built afresh on every try: a failed try changed them in memory.
    states = [EnrollmentState.from_row(row) for row in rows]
    # Leaving the block saves the states and flushes the writer, which wakes the delivery
    # loops when it queued deliveries.
    with state_changes(now, customers=load_customers({s.customer_id for s in states}), broken=broken) as change:
        for state in change.track(states):
            change.runner.advance(state)
    return change.writer


def next_due_at() -> datetime | None:
    """When the earliest waiting customer of a moving journey falls due (for the loop's sleep)."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT min(e.due_at) FROM journeys_enrollment e WHERE e.status = 'active' AND e.due_at IS NOT NULL"
            " AND e.journey_id IN (SELECT id FROM journeys_journey WHERE status = ANY(%s))",
            [list(MOVING_STATUSES)],
        )
        return cursor.fetchone()[0]
