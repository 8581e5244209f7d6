"""How the rest of the project tells the engine that something happened."""

from django.db import connection

# The channel engine loops LISTEN on; a NOTIFY wakes them at once instead of at their next poll.
WAKE_CHANNEL = "cjo_engine"
# The channel delivery loops LISTEN on: NOTIFYed in the transaction that queues deliveries.
DELIVERY_CHANNEL = "cjo_deliveries"


def events_ingested(*, event_ids: list[int]) -> None:
    """Called once a batch of new events is committed (they are already in the engine inbox)."""
    if event_ids:
        engine_wake()


def counters_changed(journey_ids: set[int]) -> None:
    """After a commit that moved counters: tell the canvases watching those journeys."""
    from canvas.metrics import metrics_changed

    metrics_changed(journey_ids)


def engine_wake() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"NOTIFY {WAKE_CHANNEL}")


def deliveries_queued() -> None:
    """Wake the delivery loops: deliveries were queued (or queued again) in the current transaction.

    PostgreSQL holds a NOTIFY back until its transaction commits and drops it on rollback, so
    sending it inside the transaction that writes the rows is exactly "after commit"; outside a
    transaction it goes at once.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"NOTIFY {DELIVERY_CHANNEL}")
