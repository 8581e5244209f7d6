"""How the rest of the project tells the engine that something happened."""

from django.db import connection

# The channel engine loops LISTEN on; a NOTIFY wakes them at once instead of at their next poll.
WAKE_CHANNEL = "cjo_engine"


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
