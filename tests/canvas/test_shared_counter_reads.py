"""Sockets of one process share counters reads, and never answer a change with a read older than it."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from canvas import consumers, metrics
from journeys import roles
from tests.canvas.test_metrics_socket import (  # noqa: F401 (the autouse fixtures clean up listeners and groups)
    _no_listener_left_behind,
    _role_groups,
    headers_for,
    next_message,
    open_socket,
    set_counter,
)
from tests.factories import make_graph, make_journey, make_user, node

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey():
    return make_journey(graph=make_graph([node("start", "api_trigger")], []), publish=False)


def test_five_sockets_answer_one_change_with_one_read(journey):
    headers = headers_for(make_user(role=roles.REVIEWERS))
    set_counter(journey, "start", "entered", 1)

    async def scenario():
        sockets = [(await open_socket(journey.id, headers))[0] for _ in range(5)]
        await asyncio.sleep(1.1)  # past the connect snapshots' second, so the change goes out at once
        await sync_to_async(set_counter)(journey, "start", "entered", 2)
        before = consumers.reads_started
        await metrics._dispatch([journey.id])  # as the listener does on a NOTIFY
        updates = [await next_message(socket, 3) for socket in sockets]
        reads = consumers.reads_started - before
        for socket in sockets:
            await socket.disconnect()
        return updates, reads

    updates, reads = async_to_sync(scenario)()
    assert [update["nodes"] for update in updates] == [{"start": {"entered": 2}}] * 5
    assert reads == 1


def test_a_read_started_before_a_change_is_never_reused_for_it(journey):
    set_counter(journey, "start", "entered", 1)

    async def scenario():
        loop = asyncio.get_running_loop()
        first = await consumers.shared_counters(journey.id, None, fresh_after=loop.time())
        await sync_to_async(set_counter)(journey, "start", "entered", 2)
        heard_of_the_change = loop.time()
        second = await consumers.shared_counters(journey.id, None, fresh_after=heard_of_the_change)
        await sync_to_async(set_counter)(journey, "start", "entered", 3)
        reads = consumers.reads_started
        # A socket that heard of nothing newer than the second change may take the second read.
        shared = await consumers.shared_counters(journey.id, None, fresh_after=heard_of_the_change)
        return first, second, shared, consumers.reads_started - reads

    first, second, shared, new_reads = async_to_sync(scenario)()
    assert first == {"start": {"entered": 1}}
    assert second == {"start": {"entered": 2}}
    assert (shared, new_reads) == ({"start": {"entered": 2}}, 0)


def test_reads_for_different_ranges_are_not_shared(journey):
    from datetime import timedelta

    from django.utils import timezone

    set_counter(journey, "start", "entered", 4, hour=timezone.now() - timedelta(days=3))

    async def scenario():
        loop = asyncio.get_running_loop()
        now = timezone.now()
        all_time = await consumers.shared_counters(journey.id, None, fresh_after=loop.time() - 10)
        last_day = await consumers.shared_counters(journey.id, now - timedelta(hours=24), fresh_after=loop.time() - 10)
        return all_time, last_day

    all_time, last_day = async_to_sync(scenario)()
    assert all_time == {"start": {"entered": 4}}
    assert last_day == {}
