"""The wait node's best_time mode: the customer's best hour, the population's, or the fallback."""

from datetime import UTC, datetime, timedelta

import pytest

from journeys import nodes
from journeys.nodes.base import CustomerView, NodeContext
from journeys.send_time.profile import HOURS_IN_WEEK, SendTimeView
from tests.nodes.helpers import clean, errors_of

TUESDAY_10_UTC = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def wait():
    nodes.autodiscover()
    return nodes.get("wait")


def peaked(hour: int, weight: float = 10.0) -> tuple[float, ...]:
    values = [1.0] * HOURS_IN_WEEK
    values[hour] = weight
    return tuple(value / sum(values) for value in values)


def run(wait, config, *, view, timezone="", now=TUESDAY_10_UTC):
    ctx = NodeContext(
        node_id="w",
        config=clean(wait, config),
        now=now,
        journey_id=1,
        enrollment_id=1,
        entered_at=now,
        customer=CustomerView(
            id=1, external_id="ada", email="", phone="", timezone=timezone, attributes={}, consent={}
        ),
        context={},
        visit=1,
        event_count=lambda **kwargs: 0,
        send_time=lambda: view,
    )
    return wait.run(ctx)


def test_the_config_defaults_to_a_day_long_window_and_a_ten_oclock_fallback(wait):
    assert clean(wait, {"mode": "best_time"}) == {"mode": "best_time", "window_hours": 24, "fallback": "10:00"}
    assert "window_hours" in errors_of(wait, {"mode": "best_time", "window_hours": 0})
    assert "fallback" in errors_of(wait, {"mode": "best_time", "fallback": "25:00"})


def test_a_customer_with_history_waits_for_their_own_best_hour(wait):
    counts = [0] * HOURS_IN_WEEK
    counts[24 + 19] = 14  # Tuesday 19:00
    view = SendTimeView(counts=tuple(counts), population=peaked(24 + 12), strength=5)
    outcome = run(wait, {"mode": "best_time"}, view=view, timezone="UTC")
    assert outcome.wait_until == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
    assert outcome.reason.endswith("best time Tue 19:00 UTC from 14 engagements")


def test_a_customer_without_history_waits_for_the_population_best_hour_in_their_zone(wait):
    view = SendTimeView(counts=(), population=peaked(24 + 12), strength=5)
    outcome = run(wait, {"mode": "best_time"}, view=view, timezone="Europe/Paris")
    assert outcome.wait_until == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # 12:00 in Paris
    assert "population pattern" in outcome.reason


def test_the_best_hour_is_sought_only_within_the_window(wait):
    view = SendTimeView(counts=(), population=peaked(24 + 19), strength=5)
    outcome = run(wait, {"mode": "best_time", "window_hours": 3}, view=view, timezone="UTC")
    # Nothing in 10:00-13:00 beats the others, so the customer goes at once.
    assert outcome.port == "next"
    assert outcome.wait_until is None


def test_nothing_learnt_waits_until_the_fallback_time_or_the_end_of_the_window(wait):
    outcome = run(wait, {"mode": "best_time", "fallback": "09:30"}, view=None, timezone="UTC")
    assert outcome.wait_until == datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
    assert "fallback 09:30" in outcome.reason
    short = run(wait, {"mode": "best_time", "fallback": "09:30", "window_hours": 2}, view=None, timezone="UTC")
    assert short.wait_until == TUESDAY_10_UTC + timedelta(hours=2)
