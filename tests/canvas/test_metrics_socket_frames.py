"""The live counters socket against frames no client of ours sends (security review, finding 12).

A non-JSON, deeply nested or binary frame used to raise out of the consumer: close 1011 (the
client reconnects), an ERROR traceback per frame, and disconnect() never ran, so the socket's
group membership and its metrics watch leaked. Each must now be answered, or closed with 1003,
and the cleanup must still happen.

The channel layer is the in-memory one with REDIS_URL set, so no PostgreSQL listener is started
and the group can be inspected directly.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group

from canvas import metrics
from journeys import roles
from tests.canvas.test_metrics_socket import IN_MEMORY_LAYERS, headers_for, open_socket
from tests.factories import make_graph, make_journey, make_user, node

pytestmark = pytest.mark.django_db(transaction=True)

BAD_TEXT_FRAMES = {
    "not_json": "not json{{",
    "empty": "",
    "too_deep_for_the_parser": "[" * 100_000 + "]" * 100_000,
    "deeper_than_the_input_limit": "[" * 100 + "]" * 100,
    "a_list_as_the_range": '{"range": ["all"]}',
    "an_object_as_the_range": '{"range": {"a": 1}}',
}


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYERS


@pytest.fixture
def journey():
    for role in roles.ROLES:  # a transactional test's flush removes the groups migration 0002 made
        Group.objects.get_or_create(name=role)
    graph = make_graph([node("start", "api_trigger"), node("done", "exit")], [("start", "next", "done")])
    return make_journey(graph=graph, publish=False)


def group_members(journey_id: int) -> set[str]:
    return set(get_channel_layer().groups.get(metrics.journey_group(journey_id), {}))


@pytest.mark.parametrize("frame", BAD_TEXT_FRAMES.values(), ids=BAD_TEXT_FRAMES.keys())
def test_a_bad_text_frame_is_answered_and_the_socket_keeps_working(journey, frame):
    headers = headers_for(make_user(role=roles.MARKETERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        watching = metrics._watched[journey.id], group_members(journey.id)
        # send_input rather than send_to, which refuses an empty text frame.
        await communicator.send_input({"type": "websocket.receive", "text": frame})
        error = await communicator.receive_json_from(timeout=5)
        await communicator.send_json_to({"range": "24h"})  # still serving after the bad frame
        snapshot = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return watching, error, snapshot

    (watched, members), error, snapshot = async_to_sync(scenario)()
    assert watched == 1 and len(members) == 1
    assert error["type"] == "error" and error["error"]
    assert snapshot["type"] == "snapshot" and snapshot["range"] == "24h"
    assert journey.id not in metrics._watched
    assert group_members(journey.id) == set()


def test_a_binary_frame_closes_with_1003_and_the_watch_is_released(journey):
    headers = headers_for(make_user(role=roles.REVIEWERS))

    async def scenario():
        communicator, _ = await open_socket(journey.id, headers)
        joined = group_members(journey.id)
        await communicator.send_to(bytes_data=b"\x00\xff" * 10)
        closing = await communicator.receive_output(timeout=5)
        # What the server does after its close: the client's side goes, and disconnect() runs.
        await communicator.disconnect(code=1003)
        return joined, closing

    joined, closing = async_to_sync(scenario)()
    assert len(joined) == 1
    assert closing == {"type": "websocket.close", "code": 1003}
    assert journey.id not in metrics._watched
    assert group_members(journey.id) == set()
