"""The engine loop a worker runs: apply new events, advance due enrollments, sleep until needed.

Sleeping is a LISTEN on a dedicated connection: ingestion NOTIFYs after each commit, so an
event reaches its action in milliseconds; otherwise the loop wakes when the earliest wait
falls due, and at least every POLL_SECONDS.
"""

import logging
import time
from dataclasses import dataclass, field

import psycopg
from django.db import connection
from django.utils import timezone

from journeys.engine.events import process_events
from journeys.engine.hooks import WAKE_CHANNEL
from journeys.engine.tick import next_due_at, tick

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0
# Session advisory locks 0x636a6f00 + slot ("cjo" + slot) mark which loop slots are taken.
SLOT_LOCK_BASE = 0x636A6F00


@dataclass
class LoopStats:
    events: int = 0
    enrollments: int = 0
    ticks: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)


def _listen_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    return psycopg.connect(**params, autocommit=True)


def run_engine(*, seconds: float, slot: int | None = None, idle_exit: bool = False) -> LoopStats:
    """Run the engine for about `seconds`. With `slot`, hold that slot's lock (one loop per slot).

    With `idle_exit`, return as soon as there is nothing left to do (used by benchmarks and tests).
    Returns stats with zero ticks when the slot is already taken by another loop.
    """
    stats = LoopStats()
    started = time.monotonic()
    deadline = started + seconds
    with _listen_connection() as listener:
        if slot is not None:
            got = listener.execute("SELECT pg_try_advisory_lock(%s)", [SLOT_LOCK_BASE + slot]).fetchone()[0]
            if not got:
                return stats
        listener.execute(f"LISTEN {WAKE_CHANNEL}")
        while time.monotonic() < deadline:
            # Apart, so a batch of events that keeps failing does not stop timers, nor the reverse.
            events = _guarded(process_events, stats, default=0)
            claimed = _guarded(lambda: tick().claimed, stats, default=0)
            stats.events += events
            stats.enrollments += claimed
            stats.ticks += 1
            if events or claimed:
                continue
            if idle_exit:
                break
            _sleep_until_needed(listener, deadline)
        if slot is not None:
            # Explicitly: a closed connection's server process can hold its locks a moment longer,
            # and the successor this loop enqueues would find the slot taken and give up.
            listener.execute("SELECT pg_advisory_unlock(%s)", [SLOT_LOCK_BASE + slot])
    stats.seconds = time.monotonic() - started
    return stats


def _guarded(step, stats: LoopStats, *, default):
    try:
        return step()
    except Exception as error:  # keep the loop alive; the failed batch's transaction was rolled back
        logger.exception("engine pass failed")
        stats.errors.append(repr(error))
        time.sleep(0.5)
        return default


def _sleep_until_needed(listener: psycopg.Connection, deadline: float) -> None:
    timeout = min(POLL_SECONDS, max(0.0, deadline - time.monotonic()))
    due = next_due_at()
    if due is not None:
        timeout = min(timeout, max(0.0, (due - timezone.now()).total_seconds()))
    if timeout <= 0:
        return
    # Returns on the first notification, or after the timeout with none.
    for _ in listener.notifies(timeout=timeout, stop_after=1):
        pass
    # Several NOTIFYs may have queued up; one pass serves them all.
    for _ in listener.notifies(timeout=0):
        pass


def slot_is_free(slot: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SLOT_LOCK_BASE + slot])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SLOT_LOCK_BASE + slot])
        return free
