"""The engine's one way out: what it tells the rest of the project, and how the rest tells it.

The engine sits below the web, canvas and task code, so it never imports them. Packages that want
to hear about engine events register a callable in their `AppConfig.ready()` (`on_counters_changed`);
the engine calls the function here, which runs them in order. The list stays a plain list of
callables, read once per commit and never per row, so a hook costs next to nothing on the hot
path. Processes that only need waking (engine and delivery loops) LISTEN on a channel instead.
"""

from collections.abc import Callable

from django.db import connection

# The channel engine loops LISTEN on; a NOTIFY wakes them at once instead of at their next poll.
WAKE_CHANNEL = "cjo_engine"
# The channel delivery loops LISTEN on: NOTIFYed in the transaction that queues deliveries.
DELIVERY_CHANNEL = "cjo_deliveries"

# Called with the ids of journeys whose counters moved, after the transaction that moved them committed.
counters_changed_callbacks: list[Callable[[set[int]], None]] = []


def on_counters_changed(callback: Callable[[set[int]], None]) -> None:
    _register(counters_changed_callbacks, callback)


def _register(callbacks: list, callback) -> None:
    # Django may run an app's ready() more than once (some test set-ups do): register once only.
    if callback not in callbacks:
        callbacks.append(callback)


def events_ingested(*, event_ids: list[int]) -> None:
    """Called once a batch of new events is committed (they are already in the engine inbox)."""
    if event_ids:
        engine_wake()


def counters_changed(journey_ids: set[int]) -> None:
    """After a commit that moved counters: tell whoever watches those journeys (live canvases)."""
    for callback in counters_changed_callbacks:
        callback(journey_ids)


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
