"""A manual removal while a worker advances the same customers: each customer moves once, then exits once."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from journeys.engine import batch, changes
from journeys.engine.tick import tick
from journeys.models import Customer, Enrollment, NodeStat, Step
from journeys.selectors import node_counters
from tests.engine.test_robustness import enroll_customers
from tests.factories import make_graph, make_journey, node

COUNT = 40


def trigger_then_wait():
    return make_journey(
        graph=make_graph(
            [node("t", "api_trigger"), node("w", "wait", {"mode": "duration", "seconds": 86400})],
            [("t", "next", "w")],
        )
    )


def _in_thread(name: str, errors: dict, work):
    def target():
        try:
            work()
        except Exception as error:
            errors[name] = repr(error)
        finally:
            connection.close()

    return threading.Thread(target=target, name=name)


def _slow_flush(monkeypatch, started: threading.Event, *, seconds: float = 1.0):
    """Hold the first batch's row locks a while, so the other side queues on them."""
    original = batch.BatchWriter.flush
    first = threading.Lock()

    def flush(self):
        if first.acquire(blocking=False):
            started.set()
            time.sleep(seconds)
        original(self)

    monkeypatch.setattr(batch.BatchWriter, "flush", flush)


def _assert_removed_once_at_the_wait(journey):
    assert set(Enrollment.objects.filter(journey=journey).values_list("status", "node_id")) == {("exited", "w")}
    assert Step.objects.filter(journey_id=journey.pk, action="exited").count() == COUNT
    assert set(Step.objects.filter(journey_id=journey.pk, action="exited").values_list("reason", flat=True)) == {
        "removed by test: both at once"
    }
    counters = node_counters(journey.pk)
    assert counters["w"]["exited"] == COUNT
    assert counters["w"].get("waiting", 0) == 0
    assert NodeStat.objects.filter(journey=journey, metric="exited").aggregate(n=Sum("value"))["n"] == COUNT


@pytest.mark.django_db(transaction=True)
def test_a_removal_waits_for_the_tick_holding_the_customers_and_exits_them_where_it_left_them(monkeypatch):
    journey = trigger_then_wait()
    customers = Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(COUNT)])
    enroll_customers(journey, customers)
    started, errors, removed = threading.Event(), {}, []
    _slow_flush(monkeypatch, started)

    def remove():
        started.wait()
        removed.append(
            changes.remove_customers(
                journey_id=journey.pk,
                customer_ids=[c.pk for c in customers],
                reason="removed by test: both at once",
                now=timezone.now(),
            )
        )

    threads = [_in_thread("tick", errors, tick), _in_thread("remove", errors, remove)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == {}
    assert removed == [COUNT]
    _assert_removed_once_at_the_wait(journey)
    # Each went trigger -> wait once, then exited: the removal did not write back a stale state.
    assert Step.objects.filter(journey_id=journey.pk, node_id="w", action="waiting").count() == COUNT


@pytest.mark.django_db(transaction=True)
def test_a_tick_skips_customers_a_removal_holds_and_finds_them_gone(monkeypatch):
    journey = trigger_then_wait()
    customers = Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(COUNT)])
    enroll_customers(journey, customers)
    tick()  # everyone waits at w
    started, errors, claimed = threading.Event(), {}, []
    _slow_flush(monkeypatch, started)

    def remove():
        changes.remove_customers(
            journey_id=journey.pk,
            customer_ids=[c.pk for c in customers],
            reason="removed by test: both at once",
            now=timezone.now(),
        )

    def tick_later():
        started.wait()
        # Their wait is over by now: without the removal's locks the tick would move them on.
        claimed.append(tick(now=timezone.now() + timedelta(days=2)).claimed)

    threads = [_in_thread("remove", errors, remove), _in_thread("tick", errors, tick_later)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == {}
    assert claimed == [0]
    _assert_removed_once_at_the_wait(journey)
