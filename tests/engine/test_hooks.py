"""The engine's way out: it calls journeys.engine.hooks, and the packages above register callbacks at start-up."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from canvas import metrics
from journeys import tasks
from journeys.engine import hooks
from journeys.models import Delivery
from tests.engine.helpers import run, send
from tests.factories import make_graph, make_journey, make_source, node


def test_app_start_up_connects_live_canvases_and_the_delivery_queue_to_the_engine():
    assert hooks.counters_changed_callbacks == [metrics.metrics_changed]
    assert hooks.deliveries_pending_callbacks == [tasks.deliveries_kick]


def test_running_ready_again_registers_nothing_twice():
    apps.get_app_config("journeys").ready()
    apps.get_app_config("canvas").ready()

    assert hooks.counters_changed_callbacks == [metrics.metrics_changed]
    assert hooks.deliveries_pending_callbacks == [tasks.deliveries_kick]


def test_counters_changed_hands_the_journey_ids_to_every_callback(monkeypatch):
    heard = []
    first, second = (lambda ids: heard.append(("a", ids))), (lambda ids: heard.append(("b", ids)))
    monkeypatch.setattr(hooks, "counters_changed_callbacks", [first, second])

    hooks.counters_changed({4, 5})

    assert heard == [("a", {4, 5}), ("b", {4, 5})]


@pytest.mark.django_db
def test_a_tick_that_queues_deliveries_calls_the_hook_once_it_commits(monkeypatch, django_capture_on_commit_callbacks):
    kicks = []
    monkeypatch.setattr(hooks, "deliveries_pending_callbacks", [lambda: kicks.append(Delivery.objects.count())])
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Go"}),
                node("w", "wait", {"mode": "duration", "seconds": 3600}),
                node("m", "send_email", {"subject": "Hello", "body": "Hi"}),
            ],
            [("t", "next", "w"), ("w", "next", "m")],
        )
    )
    send(make_source(), {"userId": "ada", "event": "Go"})
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert kicks == []  # waiting: nothing queued yet

    with django_capture_on_commit_callbacks(execute=True) as committed:
        run(timezone.now() + timedelta(hours=2))

    assert Delivery.objects.filter(journey_id=journey.pk).count() == 1
    assert kicks == [1]  # called once, after the delivery row was written
    assert hooks.deliveries_pending in committed
