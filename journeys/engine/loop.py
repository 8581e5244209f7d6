"""The engine loop: apply new events, advance due enrollments, sleep until needed; survive the database going away.

Sleeping is a LISTEN on a dedicated connection: ingestion NOTIFYs after each commit, so an
event reaches its action in milliseconds; otherwise the loop wakes when the earliest wait
falls due, and at least every POLL_SECONDS.

Losing the database (a restart, a failover, a dropped connection) is not the end of the
loop: both connections (the listener and Django's) are dropped and opened again with a short
backoff, and the loop goes on where the committed state says it is.
"""

import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg
from django import db
from django.db import connection
from django.utils import timezone

from journeys.engine.events import process_events
from journeys.engine.hooks import WAKE_CHANNEL
from journeys.engine.tick import next_due_at, tick

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0
# How often a standby engine tries to take a slot.
STANDBY_SECONDS = 0.5
# Reconnection waits grow from the first to the last: quick after a blip, gentle during an outage.
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0)
# Session advisory locks 0x636a6f00 + slot ("cjo" + slot) mark which loop slots are taken.
SLOT_LOCK_BASE = 0x636A6F00
# Errors that mean "the connection is gone", as opposed to a batch that failed on its own data.
CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, db.OperationalError, db.InterfaceError)


@dataclass
class LoopStats:
    events: int = 0
    enrollments: int = 0
    ticks: int = 0
    seconds: float = 0.0
    reconnects: int = 0
    errors: list = field(default_factory=list)


def never() -> bool:
    return False


def listen_connection() -> psycopg.Connection:
    """A connection of its own to LISTEN on (Django's may be pooled or inside a transaction)."""
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    return psycopg.connect(**params, autocommit=True)


def reset_django_connection() -> None:
    """Forget Django's connection, so the next query opens a fresh one instead of failing on a dead one."""
    with contextlib.suppress(Exception):
        connection.close()


def wait_for_notify(listener: psycopg.Connection, timeout: float) -> bool:
    """Return on the first notification (True) or after `timeout` seconds with none (False).

    Several NOTIFYs may have queued up meanwhile; they are all consumed, since one pass serves them all.
    """
    woken = False
    if timeout > 0:
        for _ in listener.notifies(timeout=timeout, stop_after=1):
            woken = True
    for _ in listener.notifies(timeout=0):
        woken = True
    return woken


def wait_to_reconnect(
    error: Exception, *, stats, failures: int, what: str, deadline: float, stop: Callable[[], bool]
) -> int:
    """After a lost connection: count it, log the first of a run, forget Django's connection and
    wait a little longer each time before the caller reconnects. Returns the failures so far."""
    stats.reconnects += 1
    stats.errors.append(repr(error))
    if failures == 0:
        logger.warning("%s lost its database connection (%s); reconnecting", what, error)
    reset_django_connection()
    delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
    pause(min(delay, max(0.0, deadline - time.monotonic())), stop)
    return failures + 1


def pause(seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep, in short steps so that a stop request is seen promptly."""
    end = time.monotonic() + seconds
    while not stop() and (left := end - time.monotonic()) > 0:
        time.sleep(min(0.1, left))


def run_engine(
    *,
    seconds: float,
    slot: int | None = None,
    idle_exit: bool = False,
    stop: Callable[[], bool] = never,
    standby_for: Sequence[int] = (),
) -> LoopStats:
    """Run the engine for about `seconds` (math.inf: until `stop()`). With `slot`, hold that slot's lock.

    With `idle_exit`, return as soon as there is nothing left to do (used by benchmarks and tests).
    Returns stats with zero ticks when the slot is already taken by another loop, and returns
    early if, after a reconnection, another loop has taken the slot meanwhile.

    With `standby_for` (slot numbers) instead of `slot`, wait until one of those slots is free,
    trying again every STANDBY_SECONDS on the same connection, then run in it: a standby takes
    over within about that long of the loop in the slot going away.
    """
    stats = LoopStats()
    started = time.monotonic()
    deadline = started + seconds
    failures = 0
    while time.monotonic() < deadline and not stop():
        try:
            with listen_connection() as listener:
                if standby_for:
                    slot = _wait_for_slot(listener, standby_for, deadline, stop)
                    if slot is None:
                        break
                elif slot is not None and not _take_slot(listener, slot):
                    break
                listener.execute(f"LISTEN {WAKE_CHANNEL}")
                failures = 0
                _run(listener, stats, deadline, idle_exit, stop)
                if slot is not None:
                    # Explicitly: a closed connection's server process can hold its locks a moment
                    # longer, and a successor would find the slot taken and give up.
                    listener.execute("SELECT pg_advisory_unlock(%s)", [SLOT_LOCK_BASE + slot])
            if not standby_for:
                break
        except CONNECTION_ERRORS as error:
            failures = wait_to_reconnect(
                error, stats=stats, failures=failures, what="engine", deadline=deadline, stop=stop
            )
    stats.seconds = time.monotonic() - started
    return stats


def _take_slot(listener: psycopg.Connection, slot: int) -> bool:
    return listener.execute("SELECT pg_try_advisory_lock(%s)", [SLOT_LOCK_BASE + slot]).fetchone()[0]


def _wait_for_slot(listener, slots: Sequence[int], deadline: float, stop: Callable[[], bool]) -> int | None:
    while time.monotonic() < deadline and not stop():
        for slot in slots:
            if _take_slot(listener, slot):
                return slot
        pause(min(STANDBY_SECONDS, max(0.0, deadline - time.monotonic())), stop)
    return None


def _run(listener, stats: LoopStats, deadline: float, idle_exit: bool, stop: Callable[[], bool]) -> None:
    while time.monotonic() < deadline and not stop():
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


def _guarded(step, stats: LoopStats, *, default):
    try:
        return step()
    except CONNECTION_ERRORS:
        raise  # the caller reconnects both connections
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
    wait_for_notify(listener, timeout)


def run_engine_forever(*, stop: Callable[[], bool], slots: int) -> LoopStats:
    """Run the engine in the first free slot until `stop()`; while every slot is taken, stand by.

    Several engine processes, on one machine or many, thus share the slots without double work:
    the advisory lock lets one loop per slot run, and a standby takes over within about
    STANDBY_SECONDS of the loop holding a slot going away (killed, or cut off from the database).
    """
    return run_engine(seconds=math.inf, stop=stop, standby_for=range(slots))


def slot_is_free(slot: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SLOT_LOCK_BASE + slot])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SLOT_LOCK_BASE + slot])
        return free
