"""The delivery loop: woken by the transaction that queues deliveries, polling held ones, reconnecting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.delivery.loop import run_deliveries
from journeys.engine.hooks import DELIVERY_CHANNEL
from journeys.models import Delivery
from tests.delivery.helpers import delivery_of, enter, message_journey
from tests.delivery.peers import HttpPeer
from tests.factories import make_customer
from tests.loop_helpers import cut_other_connections, eventually, in_thread, listening

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_poll(monkeypatch):
    # Only a NOTIFY (or a held row falling due) can wake the loop within a test's patience.
    monkeypatch.setattr("journeys.delivery.loop.POLL_SECONDS", 60)


def sent(external_id: str) -> bool:
    return Delivery.objects.filter(customer__external_id=external_id, status="sent").exists()


def test_queueing_a_delivery_wakes_the_sleeping_loop(source, slow_poll):
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        loop, result = in_thread(run_deliveries, seconds=5)
        assert eventually(lambda: listening(DELIVERY_CHANNEL), within=5)

        enter(source, "ada")  # the engine's transaction queues the delivery and NOTIFYs on commit
        went_out = eventually(lambda: sent("ada"), within=4)
        loop.join()

    assert "error" not in result, result.get("error")
    assert went_out, "the delivery should go out as soon as it is queued"
    assert len(receiver.requests) == 1


def test_nothing_is_notified_when_the_queueing_transaction_rolls_back(source):
    from django.db import connection, transaction

    from journeys.engine.hooks import deliveries_queued
    from journeys.engine.loop import listen_connection, wait_for_notify

    with listen_connection() as listener:
        listener.execute(f"LISTEN {DELIVERY_CHANNEL}")
        with pytest.raises(RuntimeError), transaction.atomic():
            deliveries_queued()
            raise RuntimeError("the batch failed")
        assert not wait_for_notify(listener, 0.3)
        with transaction.atomic():
            deliveries_queued()
        assert wait_for_notify(listener, 5)
    connection.close()


def test_retrying_failed_deliveries_wakes_the_loops(source):
    from django.db import connection

    from journeys.delivery.services import deliveries_retry
    from journeys.engine.loop import listen_connection, wait_for_notify

    make_customer(external_id="ada")
    message_journey("send_webhook", {"url": "http://127.0.0.1:9/"})
    enter(source, "ada")
    delivery = delivery_of("ada")
    Delivery.objects.filter(id=delivery.id).update(status="failed")
    with listen_connection() as listener:
        listener.execute(f"LISTEN {DELIVERY_CHANNEL}")
        assert deliveries_retry(delivery_ids=[delivery.id]) == 1
        assert wait_for_notify(listener, 5), "a retried delivery should wake the delivery loops"
        assert deliveries_retry(delivery_ids=[delivery.id]) == 0  # queued already: nothing to wake
        assert not wait_for_notify(listener, 0.3)
    connection.close()


def test_a_held_delivery_goes_out_when_it_falls_due_without_a_notify(source, slow_poll):
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        enter(source, "ada")
        Delivery.objects.filter(id=delivery_of("ada").id).update(not_before=timezone.now() + timedelta(seconds=1.5))
        loop, result = in_thread(run_deliveries, seconds=6)
        went_out = eventually(lambda: sent("ada"), within=6)
        loop.join()

    assert "error" not in result, result.get("error")
    assert went_out, "the loop should wake when the held row falls due"


def test_the_loop_reconnects_after_losing_its_connections(source, slow_poll):
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        loop, result = in_thread(run_deliveries, seconds=8)
        assert eventually(lambda: listening(DELIVERY_CHANNEL), within=5)

        assert cut_other_connections() >= 1
        assert eventually(lambda: listening(DELIVERY_CHANNEL), within=5), "the loop should LISTEN again"
        enter(source, "ada")
        went_out = eventually(lambda: sent("ada"), within=5)
        loop.join()

    assert "error" not in result, result.get("error")
    assert went_out
    assert result["value"].reconnects >= 1
