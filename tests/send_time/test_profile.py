"""The pure arithmetic: hour of week, habit classes learnt by EM, the posterior and the best slot."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from journeys.send_time.profile import (
    HOURS_IN_WEEK,
    Habits,
    SendTimeView,
    best_slot,
    describe_hour,
    fit_habits,
    habit_name,
    hour_of_week,
    posterior,
)

TUESDAY = 1
SATURDAY = 5


def bump(hour: float, width: float = 1.5) -> list[float]:
    """An hour-of-day habit peaking at `hour`, over a floor."""
    values = []
    for h in range(24):
        distance = min(abs(h + 0.5 - hour), 24 - abs(h + 0.5 - hour))
        values.append(0.05 + np.exp(-(distance**2) / (2 * width * width)))
    return [value / sum(values) for value in values]


def population(rng: random.Random, people: list[tuple[int, float, float]], engagements=(3, 30)) -> np.ndarray:
    """Profiles of customers; each of `people` is (how many, weekday peak hour, weekend peak hour)."""
    rows = []
    for count, weekday_peak, weekend_peak in people:
        for _ in range(count):
            row = [0] * HOURS_IN_WEEK
            for _ in range(rng.randint(*engagements)):
                day = rng.randrange(7)
                habit = bump(weekend_peak if day >= SATURDAY else weekday_peak)
                row[day * 24 + rng.choices(range(24), weights=habit)[0]] += 1
            rows.append(row)
    return np.array(rows)


def counts_at(*hours_of_week: int) -> tuple[int, ...]:
    counts = [0] * HOURS_IN_WEEK
    for how in hours_of_week:
        counts[how] += 1
    return tuple(counts)


def best_hour_on(shares, day: int) -> int:
    return max(range(24), key=lambda hour: shares[day * 24 + hour])


@pytest.fixture(scope="module")
def mostly_evening():
    """70% evening people (19:30 all week), 30% morning people (08:00, 10:00 at weekends)."""
    return fit_habits(population(random.Random(7), [(700, 19.5, 19.5), (300, 8.0, 10.0)]))


def test_hour_of_week_is_counted_from_monday_midnight_in_the_customers_zone():
    tuesday_evening_paris = datetime(2026, 12, 8, 18, 30, tzinfo=UTC)  # 19:30 in Paris
    assert hour_of_week(tuesday_evening_paris, ZoneInfo("Europe/Paris")) == 24 + 19
    assert describe_hour(24 + 19) == "Tue 19:00"


def test_a_customer_without_history_gets_the_population_pattern(mostly_evening):
    belief = posterior(SendTimeView(counts=(), habits=mostly_evening))
    assert np.allclose(belief.shares, mostly_evening.shares)
    assert abs(belief.shares.sum() - 1) < 1e-9
    assert best_hour_on(belief.shares, TUESDAY) == 19
    assert belief.habit == "evening"
    assert 0.6 < belief.habit_probability < 0.8


def test_two_engagements_at_eight_make_a_morning_person_though_most_people_are_evening(mostly_evening):
    # Shrinking toward the population's mean (evening) gave this customer 19:00; the mixture
    # prior recognises the morning habit from two sessions.
    belief = posterior(SendTimeView(counts=counts_at(24 + 8, 3 * 24 + 8), habits=mostly_evening))
    assert best_hour_on(belief.shares, TUESDAY) in (7, 8)
    assert belief.habit == "morning"
    assert belief.habit_probability > 0.9


def test_weekday_engagements_tell_about_weekends_through_the_learnt_pairs(mostly_evening):
    # Morning people of this population engage at 10:00 at weekends; a customer seen only on
    # weekday mornings gets the weekend habit of their kind, not 08:00 nor the evening.
    belief = posterior(SendTimeView(counts=counts_at(8, 24 + 8, 2 * 24 + 8), habits=mostly_evening))
    assert best_hour_on(belief.shares, SATURDAY) in (9, 10)


def test_a_long_history_outweighs_the_population(mostly_evening):
    afternoon = [day * 24 + 15 for day in range(7)] * 6  # 42 engagements at 15:00, a rare habit
    belief = posterior(SendTimeView(counts=counts_at(*afternoon), habits=mostly_evening))
    assert best_hour_on(belief.shares, TUESDAY) == 15
    assert belief.habit == "daytime"


def test_habits_are_learnt_deterministically_and_survive_a_round_trip_through_json(mostly_evening):
    profiles = population(random.Random(7), [(700, 19.5, 19.5), (300, 8.0, 10.0)])
    again = fit_habits(profiles)
    assert np.array_equal(again.pairs, mostly_evening.pairs)
    assert abs(mostly_evening.pairs.sum() + mostly_evening.solo.sum() - 1) < 1e-9
    restored = Habits.from_json(mostly_evening.to_json())
    assert np.allclose(restored.weekday, mostly_evening.weekday)
    assert restored.weekday_names == mostly_evening.weekday_names
    assert fit_habits(np.zeros((3, HOURS_IN_WEEK))) is None


def test_before_habits_are_learnt_the_population_pattern_is_the_one_class():
    shares = [1.0] * HOURS_IN_WEEK
    shares[24 + 12] = 20.0
    habits = Habits.from_population([value / sum(shares) for value in shares])
    belief = posterior(SendTimeView(counts=counts_at(24 + 19), habits=habits))
    assert best_hour_on(belief.shares, TUESDAY) == 12
    assert belief.habit_probability == pytest.approx(1.0)


def test_a_class_is_named_by_the_hour_it_peaks_at():
    assert habit_name(bump(8)) == "morning"
    assert habit_name(bump(19.5)) == "evening"
    assert habit_name(bump(2)) == "night"
    assert habit_name([1 / 24] * 24) == "anytime"


def test_the_best_slot_is_the_start_of_the_strongest_hour_within_the_window():
    zone = ZoneInfo("America/New_York")
    shares = [1.0] * HOURS_IN_WEEK
    shares[24 + 19] = 5.0  # Tuesday 19:00 New York
    now = datetime(2026, 12, 8, 15, 10, tzinfo=UTC)  # Tuesday 10:10 in New York
    moment, how = best_slot(now, now + timedelta(hours=24), shares, zone)
    assert moment == datetime(2026, 12, 9, 0, 0, tzinfo=UTC)
    assert how == 24 + 19
    # A window that closes before Tuesday 19:00 keeps the current hour (earliest of equal shares).
    assert best_slot(now, now + timedelta(hours=3), shares, zone) == (now, 24 + 10)
