"""Hourly count series with a weekly season, noise, and anomalies planted where we know them.

Each series has its own level (log-uniform over two decades), a daily curve (quiet nights, a
peak whose hour varies by series), quieter weekends, mild over-dispersion (the Poisson rate is
jittered log-normally) and a slow drift. Anomalies are planted only after `QUIET_DAYS`, so the
detector has a history to learn from, and never overlap:

- spike: 1-3 hours at 3-8x the rate;
- drop to zero: 3-24 hours of nothing (an integration that stopped sending);
- level shift: 24-72 hours at 0.3x or 2.5x the rate (a release that doubled an event, a broken source).
"""

import math
import random
from dataclasses import dataclass

import numpy as np

HOURS_IN_WEEK = 168
QUIET_DAYS = 28
KINDS = ("spike", "drop_to_zero", "level_shift")


@dataclass(frozen=True)
class Planted:
    kind: str
    start: int  # first hour affected
    end: int  # last hour affected (inclusive)


@dataclass(frozen=True)
class Series:
    counts: np.ndarray
    planted: list[Planted]


def seasonal_rate(rng: random.Random, hours: int) -> np.ndarray:
    """The expected count per hour, before anomalies: level x daily curve x weekday factor x drift."""
    level = math.exp(rng.uniform(math.log(20), math.log(2000)))
    peak = rng.uniform(10, 21)
    night = rng.uniform(0.1, 0.3)
    weekend = rng.uniform(0.5, 1.1)
    drift = rng.uniform(-0.15, 0.15)  # over the whole span
    index = np.arange(hours)
    hour_of_day = index % 24
    day_of_week = (index // 24) % 7
    daily = night + (1 - night) * np.exp(-(((hour_of_day - peak + 12) % 24 - 12) ** 2) / (2 * 3.5**2))
    weekly = np.where(day_of_week >= 5, weekend, 1.0)
    trend = 1 + drift * index / max(1, hours - 1)
    return level * daily * weekly * trend


def plant(rng: random.Random, rate: np.ndarray, count: int) -> list[Planted]:
    """Change `rate` in place with `count` non-overlapping anomalies; return where they are."""
    hours = len(rate)
    planted: list[Planted] = []
    for _ in range(count * 20):  # retries for overlaps
        if len(planted) == count:
            break
        kind = rng.choice(KINDS)
        length = {"spike": rng.randint(1, 3), "drop_to_zero": rng.randint(3, 24), "level_shift": rng.randint(24, 72)}[
            kind
        ]
        start = rng.randrange(QUIET_DAYS * 24, hours - length)
        end = start + length - 1
        # A week apart at least: an anomaly then sits in at most one of the weeks a baseline reads.
        if any(start <= other.end + HOURS_IN_WEEK and other.start <= end + HOURS_IN_WEEK for other in planted):
            continue
        if kind == "spike":
            rate[start : end + 1] *= rng.uniform(3, 8)
        elif kind == "drop_to_zero":
            rate[start : end + 1] = 0
        else:
            rate[start : end + 1] *= rng.choice((0.3, 2.5))
        planted.append(Planted(kind, start, end))
    return sorted(planted, key=lambda anomaly: anomaly.start)


def make_series(seed: int, *, days: int = 90, anomalies: tuple[int, int] = (1, 3)) -> Series:
    """One series of `days` x 24 hourly counts with a random number of planted anomalies in `anomalies`."""
    rng = random.Random(seed)
    hours = days * 24
    rate = seasonal_rate(rng, hours)
    planted = plant(rng, rate, rng.randint(*anomalies))
    noise = np.exp(np.random.default_rng(seed).normal(0, 0.08, hours))
    counts = np.random.default_rng(seed + 1).poisson(rate * noise).astype(float)
    return Series(counts=counts, planted=planted)
