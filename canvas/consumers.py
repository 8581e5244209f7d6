"""The websocket that keeps a journey's canvas counters live (see docs/live-metrics.md)."""

import asyncio
from datetime import UTC, datetime, timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from canvas import metrics
from journeys.input import InputError, loads
from journeys.models import Journey
from journeys.roles import can_read_journeys
from journeys.selectors import node_counters

# Close codes, in the 4000-4999 range left to applications; mirroring HTTP so the client can tell
# "log in again" and "no access" (stop retrying) from a dropped network (reconnect).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# RFC 6455's "cannot accept this type of data": the client only ever sends JSON text.
CLOSE_UNSUPPORTED_DATA = 1003

RANGES = {"all": None, "24h": timedelta(hours=24), "1h": timedelta(hours=1)}
# At most one update a second per socket, however fast the engine goes.
MIN_INTERVAL_SECONDS = 1.0


# --- One counters read for many sockets.
#
# Every socket of a journey wants the same figures at about the same moments, so the sockets of
# one process share reads: a socket that must show every change it has heard of up to loop time
# T may take the result of any read of the same journey and range that *started* at or after T,
# because such a read sees everything committed before its change notifications were sent.
# Keyed by (journey, range start hour); only the newest read per key is kept.
_reads: dict[tuple[int, datetime | None], tuple[float, asyncio.Task]] = {}
reads_started = 0  # for tests and curiosity: how many counters reads this process made


async def shared_counters(journey_id: int, since: datetime | None, *, fresh_after: float) -> dict:
    """node_counters(journey_id, since), from a read started no earlier than `fresh_after` (loop time)."""
    global reads_started
    loop = asyncio.get_running_loop()
    if since is not None:
        since = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    key = (journey_id, since)
    entry = _reads.get(key)
    if entry is not None and entry[0] >= fresh_after and entry[1].get_loop() is loop:
        return await asyncio.shield(entry[1])
    started = loop.time()
    task = loop.create_task(database_sync_to_async(node_counters)(journey_id, since=since))
    reads_started += 1
    _reads[key] = (started, task)
    task.add_done_callback(lambda done: _forget_later(key, done))
    return await asyncio.shield(task)


def _forget_later(key, task: asyncio.Task) -> None:
    # A finished read stays reusable for a moment (sockets hearing the same change a little later),
    # then goes, so the table holds only journeys that are being watched. A failed one goes at
    # once, so the next socket tries again rather than share the failure.
    def forget():
        if key in _reads and _reads[key][1] is task:
            del _reads[key]

    if task.cancelled() or task.exception() is not None:
        forget()
    else:
        task.get_loop().call_later(MIN_INTERVAL_SECONDS, forget)


class JourneyMetricsConsumer(AsyncJsonWebsocketConsumer):
    """Pushes full snapshots of one journey's node counters: on connect, on a range change, and
    at most once a second while they change. Full snapshots keep the client trivial and let any
    missed update heal itself with the next one."""

    async def connect(self):
        self.journey_id = self.scope["url_route"]["kwargs"]["journey_id"]
        self.range = "all"
        self.last_sent = float("-inf")
        self.pending: asyncio.Task | None = None
        self.joined = False
        # Loop time of the newest change this socket has heard of; its next snapshot must include it.
        self.changed_at = asyncio.get_running_loop().time()

        # Accept before closing: a close before the handshake reaches browsers as a bare HTTP
        # 403, without the code that tells the client not to retry.
        code = await self._refusal()
        await self.accept()
        if code:
            await self.close(code=code)
            return

        await self.channel_layer.group_add(metrics.journey_group(self.journey_id), self.channel_name)
        self.joined = True
        metrics.watch(self.journey_id)
        await self._send_snapshot()

    async def _refusal(self) -> int | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return CLOSE_UNAUTHENTICATED
        if not await database_sync_to_async(can_read_journeys)(user):
            return CLOSE_FORBIDDEN
        if not await database_sync_to_async(Journey.objects.filter(pk=self.journey_id).exists)():
            return CLOSE_NOT_FOUND
        return None

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Channels' own version raises on a binary or empty frame and lets json.loads raise on bad
        # or deeply nested text. An exception escaping here closes with 1011 (so the client
        # reconnects), logs a traceback and skips disconnect(), leaking the group and the watch.
        if text_data is None:
            # Closing by our own hand still brings websocket.disconnect, so disconnect() runs.
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        try:
            # The project's JSON reading: orjson, with depth, NUL and non-finite checks.
            content = loads(text_data)
        except InputError as error:
            await self.send_json({"type": "error", "error": f"message: {error}"})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        requested = content.get("range") if isinstance(content, dict) else None
        # Checked as a string first: a list or object is unhashable and `in RANGES` would raise.
        if not isinstance(requested, str) or requested not in RANGES:
            await self.send_json({"type": "error", "error": f"range must be one of {', '.join(RANGES)}"})
            return
        self.range = requested
        self.changed_at = asyncio.get_running_loop().time()
        await self._send_snapshot()

    async def metrics_changed(self, event):
        loop = asyncio.get_running_loop()
        # Stamped by this process's listener when it fanned the change out: any read started after
        # that is fresh enough. From elsewhere (channels_redis) only our own clock can be trusted.
        queued_at = event.get("queued_at") if event.get("process") == metrics.PROCESS_TOKEN else None
        self.changed_at = max(self.changed_at, queued_at if isinstance(queued_at, float) else loop.time())
        if self.pending is not None:
            return  # an update is already scheduled and will read these changes too
        wait = self.last_sent + MIN_INTERVAL_SECONDS - loop.time()
        if wait <= 0:
            await self._send_snapshot()
        else:
            self.pending = asyncio.create_task(self._send_snapshot_later(wait))

    async def disconnect(self, code):
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None
        if self.joined:
            await self.channel_layer.group_discard(metrics.journey_group(self.journey_id), self.channel_name)
            metrics.unwatch(self.journey_id)
            self.joined = False

    async def _send_snapshot_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        # Cleared before reading, so a change that lands during the read schedules the next update.
        self.pending = None
        await self._send_snapshot()

    async def _send_snapshot(self) -> None:
        # Stamped before the read for the same reason: anything committed after it starts counts
        # as new and is picked up by the next (coalesced) update.
        self.last_sent = asyncio.get_running_loop().time()
        now = timezone.now()
        window = RANGES[self.range]
        since = now - window if window else None
        nodes = await shared_counters(self.journey_id, since, fresh_after=self.changed_at)
        await self.send_json(
            {"type": "snapshot", "journey": self.journey_id, "range": self.range, "nodes": nodes, "at": now.isoformat()}
        )
