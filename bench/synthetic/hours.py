"""Customers with planted preferred hours, and their past engagement drawn from those preferences.

Each customer lives in one of a few timezones and has a planted daily peak: most people in the
evening or in the morning, some anywhere; at weekends their peak moves by up to two hours. The
chance that a message sent at local hour of week h is opened is

    open_probability(h) = FLOOR + SPAN * affinity(h),   affinity = exp(-d^2 / (2 * WIDTH^2))

with d the distance in hours (round the clock) from that day's peak. Their history is a number
of engagements (from none to dozens, as in a real base) at hours of the week drawn in proportion
to that probability, on dates spread over the past 13 weeks.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOURS_IN_WEEK = 168
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC")
FLOOR, SPAN, WIDTH = 0.04, 0.30, 1.5
HISTORY_WEEKS = 13


@dataclass(frozen=True)
class PlantedCustomer:
    external_id: str
    timezone: str
    open_probability: tuple[float, ...]  # per local hour of week, Monday 00:00 first
    history: tuple[datetime, ...]  # engagement moments (UTC)


def _peak(rng: random.Random) -> float:
    draw = rng.random()
    if draw < 0.45:
        return rng.gauss(19.5, 1.0) % 24
    if draw < 0.75:
        return rng.gauss(8.0, 1.0) % 24
    return rng.uniform(0, 24)


def _history_size(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.3:
        return rng.randint(0, 2)
    if draw < 0.7:
        return rng.randint(3, 15)
    return rng.randint(16, 60)


def open_probabilities(peak: float, weekend_shift: float) -> tuple[float, ...]:
    values = []
    for how in range(HOURS_IN_WEEK):
        day, hour = divmod(how, 24)
        centre = (peak + (weekend_shift if day >= 5 else 0)) % 24
        distance = min(abs(hour + 0.5 - centre), 24 - abs(hour + 0.5 - centre))
        values.append(FLOOR + SPAN * math.exp(-(distance**2) / (2 * WIDTH**2)))
    return tuple(values)


def local_moment(zone: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def make_customers(count: int, *, now: datetime, seed: int = 1) -> list[PlantedCustomer]:
    rng = random.Random(seed)
    customers = []
    for number in range(count):
        zone_name = rng.choice(ZONES)
        zone = ZoneInfo(zone_name)
        probabilities = open_probabilities(_peak(rng), rng.uniform(-2, 2))
        today = now.astimezone(zone).date()
        history = []
        for how in rng.choices(range(HOURS_IN_WEEK), weights=probabilities, k=_history_size(rng)):
            day, hour = divmod(how, 24)
            weeks_back = rng.randint(1, HISTORY_WEEKS - 1)
            monday = today - timedelta(days=today.weekday(), weeks=weeks_back)
            history.append(local_moment(zone, monday + timedelta(days=day), hour, rng.randint(0, 59)))
        customers.append(PlantedCustomer(f"planted-{number}", zone_name, probabilities, tuple(sorted(history))))
    return customers
