"""The pure arithmetic: hour of week, the prior strength, shrinkage and the best slot in a window."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from journeys.send_time.profile import (
    HOURS_IN_WEEK,
    MAX_STRENGTH,
    SendTimeView,
    best_slot,
    describe_hour,
    estimate_strength,
    hour_of_week,
    learn_strengths,
    population_shares,
    shrunk_shares,
)

FLAT = [1 / HOURS_IN_WEEK] * HOURS_IN_WEEK


def test_hour_of_week_is_counted_from_monday_midnight_in_the_customers_zone():
    tuesday_evening_paris = datetime(2026, 12, 8, 18, 30, tzinfo=UTC)  # 19:30 in Paris
    assert hour_of_week(tuesday_evening_paris, ZoneInfo("Europe/Paris")) == 24 + 19
    assert describe_hour(24 + 19) == "Tue 19:00"


def test_a_customer_without_history_gets_the_population_pattern():
    population = population_shares([10 if how == 50 else 1 for how in range(HOURS_IN_WEEK)])
    view = SendTimeView(counts=(), population=tuple(population), strength=20)
    assert shrunk_shares(view) == population


def test_few_engagements_are_shrunk_toward_the_population_and_many_are_not():
    population = tuple(population_shares([10 if how == 50 else 1 for how in range(HOURS_IN_WEEK)]))
    one = [0] * HOURS_IN_WEEK
    one[100] = 1
    many = [0] * HOURS_IN_WEEK
    many[100] = 200
    few_view = shrunk_shares(SendTimeView(counts=tuple(one), population=population, strength=50))
    many_view = shrunk_shares(SendTimeView(counts=tuple(many), population=population, strength=50))
    assert max(range(HOURS_IN_WEEK), key=few_view.__getitem__) == 50
    assert max(range(HOURS_IN_WEEK), key=many_view.__getitem__) == 100
    assert abs(sum(few_view) - 1) < 1e-9


def test_the_prior_strength_is_large_when_customers_are_alike_and_small_when_they_differ():
    rng = random.Random(3)
    alike = []
    for _ in range(300):
        counts = [0] * HOURS_IN_WEEK
        for _ in range(20):
            counts[rng.randrange(HOURS_IN_WEEK)] += 1
        alike.append(counts)
    assert estimate_strength(alike, FLAT) >= 200

    differ = []
    for _ in range(300):
        counts = [0] * HOURS_IN_WEEK
        favourite = rng.randrange(HOURS_IN_WEEK)
        for _ in range(20):
            counts[favourite if rng.random() < 0.7 else rng.randrange(HOURS_IN_WEEK)] += 1
        differ.append(counts)
    strength = estimate_strength(differ, population_shares([sum(c[h] for c in differ) for h in range(HOURS_IN_WEEK)]))
    assert 1 <= strength < 40
    assert estimate_strength([], FLAT) == MAX_STRENGTH


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


def test_a_daily_habit_seen_on_other_days_carries_to_a_day_without_history():
    population = tuple(population_shares([1] * HOURS_IN_WEEK))
    counts = [0] * HOURS_IN_WEEK
    for day in (0, 1, 3, 4):  # evenings at 19:00, never on a Wednesday
        counts[day * 24 + 19] = 2
    view = SendTimeView(counts=tuple(counts), population=population, strength=50, hour_strength=5)
    shares = shrunk_shares(view)
    wednesday = [shares[2 * 24 + hour] for hour in range(24)]
    assert max(range(24), key=wednesday.__getitem__) == 19
    assert abs(sum(shares) - 1) < 1e-9


def test_both_strengths_are_learnt_from_customers_with_distinct_daily_habits():
    rng = random.Random(5)
    profiles = []
    for _ in range(400):
        counts = [0] * HOURS_IN_WEEK
        favourite = rng.randrange(24)
        for _ in range(12):
            hour = favourite if rng.random() < 0.8 else rng.randrange(24)
            counts[rng.randrange(7) * 24 + hour] += 1
        profiles.append(counts)
    population = population_shares([sum(c[h] for c in profiles) for h in range(HOURS_IN_WEEK)])
    week_strength, hour_strength = learn_strengths(profiles, population)
    # Customers differ a lot by hour of day: a few engagements should outweigh the population there.
    assert hour_strength < 10
    # Within their hour the day is chance: the week level leans on the personal prior far more.
    assert week_strength > 3 * hour_strength
