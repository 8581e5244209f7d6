"""Tell every web process that a journey's counters changed, so its sockets push fresh figures.

The engine runs in worker processes; browsers are connected to web processes. Two paths join them:

- With Redis (``REDIS_URL``) the channel layer is ``channels_redis``, whose groups span processes:
  a ``group_send`` from a worker reaches consumers in every web process directly.
- Without it the layer is in-memory, so a group exists only inside one process. PostgreSQL is
  then the only thing all processes share: the engine sends ``NOTIFY cjo_metrics, '<ids>'`` and
  each web process runs one listener task that turns notifications into ``group_send`` calls on
  its own in-memory layer.

Messages carry no figures, only "journey N changed": consumers read the counters themselves, so
a lost or merged message costs freshness, never correctness. See docs/live-metrics.md.
"""

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator

import psycopg
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "cjo_metrics"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7900
CHANGED_MESSAGE = {"type": "metrics.changed"}
LISTENER_APPLICATION_NAME = "cjo-metrics-listener"
# Names this process in the messages its listener fans out, so a socket knows the loop clock in
# them is its own (a pid could repeat on another machine behind channels_redis).
PROCESS_TOKEN = uuid.uuid4().hex
# Without any notification for this long, the listener checks that its connection is alive: a
# peer that vanished without closing TCP would otherwise leave it waiting forever.
IDLE_CHECK_SECONDS = 30.0
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


def journey_group(journey_id: int) -> str:
    return f"journey.{journey_id}"


def metrics_changed(journey_ids: set[int]) -> None:
    """Announce that these journeys' counters changed; call it after the changing transaction commits.

    Best effort: a failure is logged, never raised, because the counters are already committed
    and the next change (or a browser reconnecting) brings every socket up to date again.
    """
    if not journey_ids:
        return
    try:
        if settings.REDIS_URL:
            async_to_sync(_group_send_all)(sorted(journey_ids))
        else:
            with connection.cursor() as cursor:
                for payload in _payloads(sorted(journey_ids)):
                    # pg_notify rather than NOTIFY so the payload is a bound parameter.
                    cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, payload])
    except Exception:
        logger.warning("could not announce changed counters for journeys %s", sorted(journey_ids), exc_info=True)


async def _group_send_all(journey_ids: Iterable[int]) -> None:
    # One event loop for all the sends: async_to_sync per id would pay for a loop (and, with
    # Redis, a connection) each time.
    layer = get_channel_layer()
    for journey_id in journey_ids:
        await layer.group_send(journey_group(journey_id), CHANGED_MESSAGE)


def _payloads(journey_ids: Iterable[int]) -> Iterator[str]:
    chunk: list[str] = []
    size = 0
    for journey_id in journey_ids:
        text = str(journey_id)
        if chunk and size + 1 + len(text) > MAX_PAYLOAD_BYTES:
            yield ",".join(chunk)
            chunk, size = [], 0
        size += len(text) + (1 if chunk else 0)
        chunk.append(text)
    if chunk:
        yield ",".join(chunk)


def _parse_payload(payload: str) -> set[int]:
    ids = set()
    for part in payload.split(","):
        try:
            ids.add(int(part))
        except ValueError:
            logger.warning("ignoring malformed %s payload %r", NOTIFY_CHANNEL, payload)
    return ids


# --- The per-process listener (PostgreSQL path only).

# Journeys with an open socket in this process, so a reconnected listener can refresh them: the
# notifications sent while it was away are lost for good.
_watched: Counter[int] = Counter()
_listener: asyncio.Task | None = None


def watch(journey_id: int) -> None:
    """Note an open socket for this journey and make sure this process listens (consumers call it)."""
    _watched[journey_id] += 1
    if not settings.REDIS_URL:
        _ensure_listener()


def unwatch(journey_id: int) -> None:
    _watched[journey_id] -= 1
    if _watched[journey_id] <= 0:
        del _watched[journey_id]


def _ensure_listener() -> None:
    global _listener
    loop = asyncio.get_running_loop()
    # A task from a loop that has ended (tests run one loop each) is done or dead; start anew.
    if _listener is not None and not _listener.done() and _listener.get_loop() is loop:
        return
    _listener = loop.create_task(_listen_forever(), name="cjo-metrics-listener")


async def _listen_forever() -> None:
    """LISTEN on cjo_metrics for as long as the process lives, reconnecting with backoff."""
    delay = RETRY_FIRST_SECONDS
    reconnecting = False
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(**_listener_params(), autocommit=True) as listener:
                await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                delay = RETRY_FIRST_SECONDS
                if reconnecting:
                    await _refresh_watched()
                reconnecting = True
                while True:
                    async for notification in listener.notifies(timeout=IDLE_CHECK_SECONDS):
                        await _dispatch(_parse_payload(notification.payload))
                    await listener.execute("SELECT 1")
        except asyncio.CancelledError:
            raise
        except Exception:
            # Never let the server down: live counters are a convenience, keep trying.
            logger.warning("metrics listener lost its database connection; retrying in %.1fs", delay, exc_info=True)
            reconnecting = True
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_SECONDS)


def _listener_params() -> dict:
    # As journeys.engine.loop._listen_connection: Django's own parameters (so the test database
    # and DATABASE_URL apply) without the options meant for Django's cursors.
    params = connection.get_connection_params()
    for option in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(option, None)
    params["application_name"] = LISTENER_APPLICATION_NAME
    return params


async def _dispatch(journey_ids: Iterable[int]) -> None:
    layer = get_channel_layer()
    # Stamped with this process's loop clock: a socket here may then answer with a counters read
    # another socket started after this moment (see consumers.shared_counters).
    message = {**CHANGED_MESSAGE, "process": PROCESS_TOKEN, "queued_at": asyncio.get_running_loop().time()}
    for journey_id in journey_ids:
        await layer.group_send(journey_group(journey_id), message)


async def _refresh_watched() -> None:
    await _dispatch(list(_watched))
