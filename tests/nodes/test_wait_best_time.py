"""The wait node's best_time mode: the customer's best hour, the population's, or the fallback."""

from datetime import UTC, datetime, timedelta

import pytest

from journeys import nodes
from journeys.nodes.base import CustomerView, NodeContext
from journeys.send_time.profile import HOURS_IN_WEEK, Habits, SendTimeView
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


def bump(hour: int) -> list[float]:
    return [10.0 if h == hour else 4.0 if abs(h - hour) == 1 else 0.2 for h in range(24)]


def evening_and_morning() -> Habits:
    """A population of 80% evening people (19:00) and 20% morning people (08:00), all week."""
    return Habits.build([[0.8, 0.0], [0.0, 0.2]], [bump(19), bump(8)], [bump(19), bump(8)], [1] * 7)


def counts_at(*hours_of_week: int) -> tuple[int, ...]:
    counts = [0] * HOURS_IN_WEEK
    for how in hours_of_week:
        counts[how] += 1
    return tuple(counts)


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
    view = SendTimeView(counts=counts_at(*[day * 24 + 19 for day in range(7)] * 2), habits=evening_and_morning())
    outcome = run(wait, {"mode": "best_time"}, view=view, timezone="UTC")
    assert outcome.wait_until == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
    assert outcome.reason.endswith(
        "best time Tue 19:00 UTC within 24 h; habit: evening (posterior 1.00), from 14 engagements"
    )


def test_two_morning_engagements_get_a_morning_time_though_most_people_are_evening(wait):
    view = SendTimeView(counts=counts_at(8, 3 * 24 + 8), habits=evening_and_morning())  # Mon and Thu 08:xx
    outcome = run(wait, {"mode": "best_time"}, view=view, timezone="Europe/Paris")
    assert outcome.wait_until == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)  # Wednesday 08:00 in Paris
    assert "habit: morning (posterior 1.00), from 2 engagements" in outcome.reason


def test_a_customer_without_history_waits_for_the_population_best_hour_in_their_zone(wait):
    view = SendTimeView(counts=(), habits=Habits.from_population(peaked(24 + 12)))
    outcome = run(wait, {"mode": "best_time"}, view=view, timezone="Europe/Paris")
    assert outcome.wait_until == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # 12:00 in Paris
    assert "population pattern" in outcome.reason
    mixed = run(wait, {"mode": "best_time"}, view=SendTimeView(counts=(), habits=evening_and_morning()))
    assert "habit: evening (posterior 0.80), from the population pattern" in mixed.reason


def test_the_best_hour_is_sought_only_within_the_window(wait):
    view = SendTimeView(counts=(), habits=Habits.from_population(peaked(24 + 19)))
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
