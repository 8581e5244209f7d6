import threading

import psycopg
import pytest
from django.db import connection

from journeys.engine.loop import SLOT_LOCK_BASE, run_engine, slot_is_free
from journeys.models import Enrollment
from tests.engine.helpers import send
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db(transaction=True)


def release(holder: psycopg.Connection, slot: int) -> None:
    # Unlock before closing: a closed client's server process may linger a moment with its locks.
    holder.execute("SELECT pg_advisory_unlock(%s)", [SLOT_LOCK_BASE + slot])
    holder.close()


def hold_slot(slot: int) -> psycopg.Connection:
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    holder = psycopg.connect(**params, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [SLOT_LOCK_BASE + slot])
    return holder


def test_the_loop_applies_new_events_and_advances_customers_until_idle():
    source = make_source()
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("m", "send_email", {"subject": "Hi", "body": "b"}),
            ],
            [("t", "next", "m")],
        )
    )
    send(source, {"userId": "ada", "event": "Signed Up"})

    stats = run_engine(seconds=10, idle_exit=True)

    assert stats.events == 1
    assert Enrollment.objects.get(journey=journey).exit_reason == "end of path"


def test_a_notify_wakes_a_sleeping_loop_at_once(monkeypatch):
    monkeypatch.setattr("journeys.engine.loop.POLL_SECONDS", 10)  # only the NOTIFY can wake it in time
    source = make_source()
    make_journey(
        graph=make_graph(
            [node("t", "event_trigger", {"event": "Ping"}), node("x", "exit")],
            [("t", "next", "x")],
        )
    )
    result = {}

    def loop():
        try:
            result["stats"] = run_engine(seconds=3)
        finally:
            connection.close()

    worker = threading.Thread(target=loop)
    worker.start()
    threading.Event().wait(0.5)
    send(source, {"userId": "ada", "event": "Ping"})  # commits, then NOTIFYs
    threading.Event().wait(0.8)
    entered = Enrollment.objects.filter(customer__external_id="ada").exists()
    worker.join()

    assert entered, "the event should be handled within a poll interval of its NOTIFY"
    assert result["stats"].events == 1


def test_a_taken_slot_makes_a_second_loop_exit_at_once():
    holder = hold_slot(0)
    try:
        assert not slot_is_free(0)
        stats = run_engine(seconds=30, slot=0)
        assert stats.ticks == 0
    finally:
        release(holder, 0)
    assert slot_is_free(0)
