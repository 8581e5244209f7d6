"""The live counters socket, end to end through cjo_site.asgi (origin check, session auth, routing).

Transactional throughout: the consumer reads on other connections, and NOTIFY is only delivered
once the sending transaction commits. pytest-asyncio is not a dependency, so each test runs its
async scenario with async_to_sync.
"""

import asyncio
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from canvas import metrics
from canvas.metrics import metrics_changed
from cjo_site.asgi import application
from cjo_site.websocket_origin import SameOriginValidator
from journeys import roles
from journeys.engine import hooks
from journeys.metrics import GAUGE_HOUR
from journeys.models import NodeStat
from tests.engine.helpers import run, send
from tests.factories import make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.django_db(transaction=True)

IN_MEMORY_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _no_listener_left_behind():
    # Each test runs its own event loop; a listener whose loop has ended would keep its connection
    # (and so the test database) open until garbage collection.
    yield
    metrics._listener = None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [metrics.LISTENER_APPLICATION_NAME],
        )


@pytest.fixture(autouse=True)
def _role_groups():
    # A transactional test's flush also removes the groups migration 0002 created.
    for role in roles.ROLES:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def journey():
    graph = make_graph([node("start", "api_trigger"), node("done", "exit")], [("start", "next", "done")])
    return make_journey(graph=graph, publish=False)


@pytest.fixture
def redis_configured(settings):
    # The channel-layer path, with the in-memory layer standing in for Redis (one process here).
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYERS


def headers_for(user=None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def socket(journey_id: int, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/journeys/{journey_id}/metrics/", headers=headers)


def set_counter(journey, node_id: str, metric: str, value: int, *, hour=None) -> None:
    NodeStat.objects.update_or_create(
        journey=journey,
        node_id=node_id,
        metric=metric,
        hour=hour or timezone.now().replace(minute=0, second=0, microsecond=0),
        shard=0,
        defaults={"value": value},
    )


async def open_socket(journey_id: int, headers) -> tuple[WebsocketCommunicator, dict]:
    communicator = socket(journey_id, headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_json_from(timeout=5)


async def refusal_code(journey_id: int, headers) -> int | None:
    communicator = socket(journey_id, headers)
    await communicator.connect()
    closing = await communicator.receive_output(timeout=5)
    await communicator.wait()
    assert closing["type"] == "websocket.close"
    return closing.get("code")


async def next_message(communicator: WebsocketCommunicator, timeout: float) -> dict | None:
    # receive_json_from's timeout would cancel the application, so wait with receive_nothing.
    if await communicator.receive_nothing(timeout=timeout):
        return None
    return await communicator.receive_json_from()


async def notify_until_update(communicator: WebsocketCommunicator, journey_id: int) -> dict:
    """NOTIFY until the socket answers: the listener starts when the socket connects, and what
    is sent before it has run LISTEN is lost by design."""
    for _ in range(10):
        await sync_to_async(metrics_changed)({journey_id})
        if update := await next_message(communicator, 1.5):
            return update
    raise AssertionError("no update reached the socket")


def listener_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            [metrics.LISTENER_APPLICATION_NAME],
        )
        return [pid for (pid,) in cursor.fetchall()]


def terminate_backend(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.parametrize("role", [roles.MARKETERS, roles.REVIEWERS])
def test_a_reader_gets_a_snapshot_on_connect(journey, role):
    set_counter(journey, "start", "entered", 3)
    set_counter(journey, "done", "waiting", 1, hour=GAUGE_HOUR)
    headers = headers_for(make_user(role=role))

    async def scenario():
        communicator, snapshot = await open_socket(journey.id, headers)
        await communicator.disconnect()
        return snapshot

    snapshot = async_to_sync(scenario)()
    assert snapshot["type"] == "snapshot"
    assert snapshot["journey"] == journey.id
    assert snapshot["nodes"] == {"start": {"entered": 3}, "done": {"waiting": 1}}
    assert datetime.fromisoformat(snapshot["at"]) <= timezone.now()


def test_anonymous_users_are_refused_with_4401(journey):
    assert async_to_sync(refusal_code)(journey.id, headers_for()) == 4401


def test_users_without_a_role_are_refused_with_4403(journey):
    assert async_to_sync(refusal_code)(journey.id, headers_for(make_user())) == 4403


def test_an_unknown_journey_is_refused_with_4404(journey):
    headers = headers_for(make_user(role=roles.MARKETERS))
    assert async_to_sync(refusal_code)(journey.id + 1000, headers) == 4404


def test_sockets_opened_from_another_site_are_refused(journey):
    headers = [(b"origin", b"http://evil.example"), *headers_for(make_user(role=roles.MARKETERS))[1:]]

    async def scenario():
        connected, _ = await socket(journey.id, headers).connect()
        return connected

    assert async_to_sync(scenario)() is False


@pytest.mark.parametrize(
    ("origin", "host", "opens"),
    [
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"http://localhost:9999", b"localhost:8000", False),  # another service on the same host
        (b"http://localhost", b"localhost:8000", False),
        (b"null", b"localhost:8000", False),
    ],
)
def test_a_socket_opens_only_from_the_pages_own_host_and_port(journey, origin, host, opens):
    user_headers = headers_for(make_user(role=roles.MARKETERS))[2:]

    async def scenario():
        communicator = socket(journey.id, [(b"origin", origin), (b"host", host), *user_headers])
        connected, _ = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is opens


@pytest.mark.parametrize(
    ("origin", "host", "trusted", "allowed"),
    [
        ("https://journeys.example.com", "journeys.example.com", [], True),
        ("https://journeys.example.com", "journeys.example.com:443", [], True),
        ("https://JOURNEYS.example.com", "journeys.example.com", [], True),
        ("https://journeys.example.com:8443", "journeys.example.com", [], False),
        ("https://app.example.com", "journeys.example.com", ["https://app.example.com"], True),
        ("https://app.example.com", "journeys.example.com", [], False),
        ("", "journeys.example.com", [], False),
    ],
)
def test_the_origin_rule_is_djangos_csrf_rule(settings, origin, host, trusted, allowed):
    settings.CSRF_TRUSTED_ORIGINS = trusted
    scope = {"type": "websocket", "headers": [(b"origin", origin.encode()), (b"host", host.encode())]}

    assert SameOriginValidator.allowed(scope) is allowed


def test_a_notify_from_another_connection_reaches_the_socket(journey):
    headers = headers_for(make_user(role=roles.MARKETERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        await sync_to_async(set_counter)(journey, "start", "entered", 5)
        update = await notify_until_update(communicator, journey.id)
        await communicator.disconnect()
        return update

    update = async_to_sync(scenario)()
    assert update["type"] == "snapshot"
    assert update["nodes"] == {"start": {"entered": 5}}


def test_the_listener_reconnects_after_its_database_connection_drops(journey):
    headers = headers_for(make_user(role=roles.MARKETERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        await notify_until_update(communicator, journey.id)
        [dropped] = await sync_to_async(listener_pids)()
        await sync_to_async(terminate_backend)(dropped)
        await sync_to_async(set_counter)(journey, "start", "entered", 8)
        update = await notify_until_update(communicator, journey.id)
        reconnected = await sync_to_async(listener_pids)()
        await communicator.disconnect()
        return dropped, reconnected, update

    dropped, reconnected, update = async_to_sync(scenario)()
    assert reconnected
    assert dropped not in reconnected
    assert update["nodes"] == {"start": {"entered": 8}}


def test_with_redis_configured_changes_go_through_the_channel_layer(journey, redis_configured):
    headers = headers_for(make_user(role=roles.REVIEWERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        await sync_to_async(set_counter)(journey, "start", "entered", 4)
        await sync_to_async(metrics_changed)({journey.id})
        update = await communicator.receive_json_from(timeout=3)
        pids = await sync_to_async(listener_pids)()
        await communicator.disconnect()
        return update, pids

    update, pids = async_to_sync(scenario)()
    assert update["nodes"] == {"start": {"entered": 4}}
    assert pids == []  # no PostgreSQL listener: the layer itself spans processes


def test_rapid_changes_are_coalesced_into_at_most_two_messages(journey, redis_configured):
    headers = headers_for(make_user(role=roles.MARKETERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        await asyncio.sleep(1.1)  # past the connect snapshot's second, so the first change goes at once
        for value in range(1, 11):
            await sync_to_async(set_counter)(journey, "start", "entered", value)
            await sync_to_async(metrics_changed)({journey.id})
        messages = []
        deadline = asyncio.get_running_loop().time() + 1.5
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            if message := await next_message(communicator, remaining):
                messages.append(message)
        await communicator.disconnect()
        return messages

    messages = async_to_sync(scenario)()
    assert 1 <= len(messages) <= 2
    # Changes merged into a later update are not lost: the last one has the final figure.
    assert messages[-1]["nodes"] == {"start": {"entered": 10}}


def test_a_range_message_changes_the_snapshot(journey):
    set_counter(journey, "start", "entered", 2)
    set_counter(journey, "start", "entered", 5, hour=timezone.now() - timedelta(days=3))
    set_counter(journey, "start", "waiting", 1, hour=GAUGE_HOUR)
    headers = headers_for(make_user(role=roles.REVIEWERS))

    async def scenario():
        communicator, snapshot = await open_socket(journey.id, headers)
        await communicator.send_json_to({"range": "24h"})
        day = await communicator.receive_json_from(timeout=5)
        await communicator.send_json_to({"range": "forever"})
        error = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return snapshot, day, error

    snapshot, day, error = async_to_sync(scenario)()
    assert snapshot["range"] == "all"
    assert snapshot["nodes"] == {"start": {"entered": 7, "waiting": 1}}
    assert day["range"] == "24h"
    assert day["nodes"] == {"start": {"entered": 2, "waiting": 1}}
    assert error["type"] == "error"


def test_long_lists_of_journeys_are_split_into_payloads_postgresql_accepts():
    ids = list(range(10**9, 10**9 + 3000))
    payloads = list(metrics._payloads(ids))
    assert len(payloads) > 1
    assert all(len(payload.encode()) < 8000 for payload in payloads)
    assert [int(part) for payload in payloads for part in payload.split(",")] == ids


def test_the_engine_announces_counter_changes_once_its_transaction_commits(monkeypatch):
    announced = []
    monkeypatch.setattr(hooks, "counters_changed_callbacks", [lambda ids: announced.append(set(ids))])
    journey = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    send(make_source(), {"userId": "ada", "event": "Go"})

    run()

    assert announced and all(ids == {journey.pk} for ids in announced)


def test_an_engine_step_updates_the_socket_without_any_other_nudge():
    live = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    source = make_source()
    headers = headers_for(make_user(role=roles.REVIEWERS))

    async def scenario():
        communicator, snapshot = await open_socket(live.id, headers)
        # Only once this process's listener has answered a NOTIFY is it sure to hear the engine's.
        await notify_until_update(communicator, live.id)
        await asyncio.sleep(1.1)  # past the one-update-a-second limit, so the step's update goes at once
        await sync_to_async(send)(source, {"userId": "ada", "event": "Go"})
        await sync_to_async(run)()
        update = await next_message(communicator, 3)
        await communicator.disconnect()
        return snapshot, update

    snapshot, update = async_to_sync(scenario)()
    assert snapshot["nodes"] == {}
    assert update is not None, "the engine's step never reached the socket"
    assert update["nodes"]["t"]["entered"] == 1
    assert update["nodes"]["x"]["exited"] == 1
