"""The engine's way out: it calls journeys.engine.hooks, and the packages above register callbacks at start-up."""

from django.apps import apps

from canvas import metrics
from journeys.engine import hooks


def test_app_start_up_connects_live_canvases_to_the_engine():
    assert hooks.counters_changed_callbacks == [metrics.metrics_changed]


def test_running_ready_again_registers_nothing_twice():
    apps.get_app_config("journeys").ready()
    apps.get_app_config("canvas").ready()

    assert hooks.counters_changed_callbacks == [metrics.metrics_changed]


def test_counters_changed_hands_the_journey_ids_to_every_callback(monkeypatch):
    heard = []
    first, second = (lambda ids: heard.append(("a", ids))), (lambda ids: heard.append(("b", ids)))
    monkeypatch.setattr(hooks, "counters_changed_callbacks", [first, second])

    hooks.counters_changed({4, 5})

    assert heard == [("a", {4, 5}), ("b", {4, 5})]
