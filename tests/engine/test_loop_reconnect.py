"""The engine loop outlives its database connections: it reconnects and goes on."""

import threading

import pytest

from journeys.engine.hooks import WAKE_CHANNEL
from journeys.engine.loop import run_engine, run_engine_forever, slot_is_free
from journeys.models import Enrollment
from tests.engine.helpers import send
from tests.engine.test_loop import hold_slot, release
from tests.factories import make_graph, make_journey, make_source, node
from tests.loop_helpers import cut_other_connections, eventually, in_thread, listening

pytestmark = pytest.mark.django_db(transaction=True)


def ping_journey():
    return make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Ping"}), node("x", "exit")], [("t", "next", "x")])
    )


def test_the_loop_reconnects_after_losing_both_connections_and_handles_the_next_event():
    source = make_source()
    ping_journey()
    loop, result = in_thread(run_engine, seconds=8)
    assert eventually(lambda: listening(WAKE_CHANNEL), within=5), "the loop should be listening"

    assert cut_other_connections() >= 1  # the listener, and Django's connection of the loop
    send(source, {"userId": "ada", "event": "Ping"})
    entered = eventually(lambda: Enrollment.objects.filter(customer__external_id="ada").exists(), within=6)
    loop.join()

    assert "error" not in result, result.get("error")
    assert entered, "the event should be handled after the loop reconnected"
    stats = result["value"]
    assert stats.reconnects >= 1
    assert stats.events == 1


def test_a_loop_that_finds_its_slot_taken_after_reconnecting_gives_it_up():
    ping_journey()
    loop, result = in_thread(run_engine, seconds=30, slot=0)
    assert eventually(lambda: not slot_is_free(0), within=5)

    cut_other_connections()
    holder = hold_slot(0)  # another machine's loop took the slot meanwhile
    try:
        loop.join(timeout=20)
        assert not loop.is_alive(), "the loop should leave the slot to its new holder"
    finally:
        release(holder, 0)
    assert result["value"].reconnects >= 1


def test_a_standby_engine_takes_the_slot_over_when_its_holder_goes():
    source = make_source()
    ping_journey()
    holder = hold_slot(0)
    stop = threading.Event()
    standby, result = in_thread(run_engine_forever, stop=stop.is_set, slots=1)
    try:
        send(source, {"userId": "ada", "event": "Ping"})
        release(holder, 0)  # the active engine died
        entered = eventually(lambda: Enrollment.objects.filter(customer__external_id="ada").exists(), within=10)
    finally:
        stop.set()
        standby.join()
    assert "error" not in result, result.get("error")
    assert entered, "the standby should have taken the free slot and handled the event"
