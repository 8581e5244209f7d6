"""The delivery loop a `manage.py deliver` process runs: send what is due, then sleep until more is.

Sleeping is a LISTEN on the channel the engine NOTIFYs when its transaction queues deliveries,
so a new delivery goes out as soon as the batch that queued it commits; otherwise the loop
wakes when the earliest held row falls due (rate limits, retries, quiet hours), and at least
every POLL_SECONDS. Like the engine loop it reconnects after losing the database.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from journeys.delivery import next_due_in
from journeys.delivery.worker import deliveries_send
from journeys.engine.hooks import DELIVERY_CHANNEL
from journeys.engine.loop import (
    CONNECTION_ERRORS,
    listen_connection,
    never,
    wait_for_notify,
    wait_to_reconnect,
)

logger = logging.getLogger("journeys.delivery")
POLL_SECONDS = 1.0


@dataclass
class DeliveryLoopStats:
    handled: int = 0
    batches: int = 0
    reconnects: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)


def run_deliveries(
    *, seconds: float = math.inf, idle_exit: bool = False, stop: Callable[[], bool] = never
) -> DeliveryLoopStats:
    """Send due deliveries for about `seconds` (math.inf: until `stop()`); with `idle_exit`, until none is due.

    A stop request is honoured between batches, so a batch being sent is finished and recorded.
    """
    stats = DeliveryLoopStats()
    started = time.monotonic()
    deadline = started + seconds
    failures = 0
    while time.monotonic() < deadline and not stop():
        try:
            with listen_connection() as listener:
                listener.execute(f"LISTEN {DELIVERY_CHANNEL}")
                failures = 0
                _run(listener, stats, deadline, idle_exit, stop)
            break
        except CONNECTION_ERRORS as error:
            failures = wait_to_reconnect(
                error, stats=stats, failures=failures, what="delivery loop", deadline=deadline, stop=stop
            )
    stats.seconds = time.monotonic() - started
    return stats


def _run(listener, stats: DeliveryLoopStats, deadline: float, idle_exit: bool, stop: Callable[[], bool]) -> None:
    while time.monotonic() < deadline and not stop():
        handled = _guarded(deliveries_send, stats)
        stats.handled += handled
        stats.batches += 1
        if handled:
            continue
        due_in = next_due_in()
        if idle_exit and (due_in is None or due_in > 0):
            break
        # At least a moment: a row due now that another loop holds locked is not ours to spin on.
        timeout = POLL_SECONDS if due_in is None else max(0.05, min(POLL_SECONDS, due_in))
        wait_for_notify(listener, min(timeout, max(0.0, deadline - time.monotonic())))


def _guarded(step, stats: DeliveryLoopStats) -> int:
    try:
        return step()
    except CONNECTION_ERRORS:
        raise  # the caller reconnects both connections
    except Exception as error:  # a failed batch is claimed again later; keep sending the rest
        logger.exception("delivery batch failed")
        stats.errors.append(repr(error))
        time.sleep(0.5)
        return 0
