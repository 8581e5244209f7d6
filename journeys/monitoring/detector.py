"""Unusual hours in an hourly count series, against a seasonal (day of week x hour) baseline.

Counts are put on the Anscombe square-root scale, where Poisson noise has a standard deviation
near 0.5 whatever the level, so one band width serves a series of 3 an hour and one of 3000.
The expected value of an hour is the median of the same hour of the week over up to
`WEEKS` previous weeks: a median, so last week's spike or outage does not move it. The band's
half-width is `Z` times the robust scale (statsmodels' MAD) of the previous four weeks' residuals,
never below the Poisson floor. An hour outside the band is an increase or a decrease (a zero
where the band's lower edge is above zero is a silence). A run of empty hours whose expected
counts are together too large to be chance (probability below 1e-4 under Poisson) is a silence
too, which catches a quiet series going dead where no single hour would stand out.

Only hours with at least `MIN_WEEKS` weeks of history are judged: without a seasonal baseline
there is no "expected".
"""

import itertools
from dataclasses import dataclass

import numpy as np
from statsmodels.robust.scale import mad

HOURS_IN_WEEK = 168
WEEKS = 8
MIN_WEEKS = 2
SCALE_HOURS = 4 * HOURS_IN_WEEK
# 4.5 robust standard deviations: about one false hour in 150 000 under Gaussian residuals, so
# well under one false alert per series-month (720 hours) even with heavier real tails.
Z = 4.5
POISSON_FLOOR = 1.0  # the standard deviation of Poisson noise on the Anscombe scale
MIN_SCALE_POINTS = 7
# -ln(1e-4): expected counts summing past this make an all-zero run a one-in-10 000 event.
SILENCE_EXPECTED = 9.21
# Unusual hours this close together are one episode (one alert), so a level shift that dips in
# and out of the band does not raise a string of alerts.
MERGE_GAP_HOURS = 2


def _to_scale(counts: np.ndarray) -> np.ndarray:
    return 2.0 * np.sqrt(np.maximum(counts, 0.0) + 3.0 / 8.0)


def _from_scale(values: np.ndarray) -> np.ndarray:
    # Below the scale's floor (a band edge under zero) the count is zero, not the square of a negative.
    return np.maximum((np.maximum(values, 0.0) / 2.0) ** 2 - 3.0 / 8.0, 0.0)


@dataclass(frozen=True)
class Hour:
    """The judgement of one hour: the observed count, the expected count and its band."""

    index: int
    observed: float
    expected: float
    lower: float
    upper: float
    direction: str  # "", "increase", "decrease" or "silence"


@dataclass(frozen=True)
class Episode:
    """Consecutive (or nearly so) unusual hours: one alert."""

    start: int  # index of the first unusual hour
    end: int  # index of the last unusual hour
    direction: str
    worst: Hour  # the hour furthest outside its band


def expected_bands(counts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected, lower, upper) counts for every hour; NaN where history is too short."""
    counts = np.asarray(counts, dtype=float)
    values = _to_scale(counts)
    n = len(values)
    # Hours before a series' first count are not history (the event, source or node did not exist
    # yet): read as zeros they would make a new series look silent forever.
    started = np.flatnonzero(counts)
    values[: started[0] if len(started) else n] = np.nan
    past = np.full((WEEKS, n), np.nan)
    for week in range(1, WEEKS + 1):
        lag = week * HOURS_IN_WEEK
        if lag < n:
            past[week - 1, lag:] = values[:-lag]
    enough = np.sum(~np.isnan(past), axis=0) >= MIN_WEEKS
    baseline = np.full(n, np.nan)
    if enough.any():
        baseline[enough] = np.nanmedian(past[:, enough], axis=0)
    residuals = values - baseline
    # The spread grows with the level (over-dispersion: a busy hour's count varies by a share of
    # itself, beyond Poisson), so the variance is fitted as a + b * expected count on the previous
    # four weeks, from robust (MAD) variances of the residuals in four bands of level; one fit a day.
    level = _from_scale(baseline)
    scale = np.full(n, np.nan)
    for day_start in range(0, n, 24):
        lo = max(0, day_start - SCALE_HOURS)
        r, x = residuals[lo:day_start], level[lo:day_start]
        keep = ~np.isnan(r)
        r, x = r[keep], x[keep]
        today = level[day_start : day_start + 24]
        if len(r) < 48:
            scale[day_start : day_start + 24] = 2 * POISSON_FLOOR
            continue
        edges = np.quantile(x, [0, 0.25, 0.5, 0.75, 1])
        points = []
        for low, high in itertools.pairwise(edges):
            inside = (x >= low) & (x <= high)
            if inside.sum() >= 12:
                points.append((float(np.median(x[inside])), float(mad(r[inside])) ** 2))
        if len(points) >= 2 and np.ptp([p[0] for p in points]) > 0:
            slope, intercept = np.polyfit([p[0] for p in points], [p[1] for p in points], 1)
            slope = max(float(slope), 0.0)
            intercept = max(float(intercept), 0.0)
        else:
            slope, intercept = 0.0, float(mad(r)) ** 2
        variance = intercept + slope * np.nan_to_num(today)
        scale[day_start : day_start + 24] = np.maximum(np.sqrt(variance), POISSON_FLOOR)
    return _from_scale(baseline), _from_scale(baseline - Z * scale), _from_scale(baseline + Z * scale)


def judge(counts, start: int = 0) -> list[Hour]:
    """Every hour from `start` on that has a baseline, with its verdict."""
    counts = np.asarray(counts, dtype=float)
    expected, lower, upper = expected_bands(counts)
    verdicts: list[Hour] = []
    zero_run_expected = 0.0
    zero_run: list[int] = []
    for index in range(len(counts)):
        if np.isnan(expected[index]):
            zero_run_expected, zero_run = 0.0, []
            continue
        observed = counts[index]
        direction = ""
        if observed > upper[index]:
            direction = "increase"
        elif observed < lower[index]:
            direction = "silence" if observed == 0 else "decrease"
        if observed == 0:
            zero_run_expected += expected[index]
            zero_run.append(index)
        else:
            zero_run_expected, zero_run = 0.0, []
        if index >= start:
            verdicts.append(Hour(index, observed, expected[index], lower[index], upper[index], direction))
        if zero_run and zero_run_expected >= SILENCE_EXPECTED:
            # The whole run is now beyond chance: mark its hours (those being judged) as silence.
            for position in range(len(verdicts) - 1, -1, -1):
                hour = verdicts[position]
                if hour.index < zero_run[0]:
                    break
                if hour.direction != "silence":
                    verdicts[position] = Hour(hour.index, 0.0, hour.expected, hour.lower, hour.upper, "silence")
    return verdicts


def _distance(hour: Hour) -> float:
    """How far outside its band an hour is, on the square-root scale, in band half-widths."""
    centre = _to_scale(np.array([hour.expected]))[0]
    edge = _to_scale(np.array([hour.upper if hour.observed > hour.expected else hour.lower]))[0]
    width = abs(edge - centre) or 1.0
    return abs(_to_scale(np.array([hour.observed]))[0] - centre) / width


def episodes(hours: list[Hour]) -> list[Episode]:
    """Unusual hours grouped into episodes, in time order."""
    found: list[Episode] = []
    current: list[Hour] = []
    for hour in hours:
        if not hour.direction:
            continue
        if current and (
            hour.index - current[-1].index > MERGE_GAP_HOURS + 1 or hour.direction != current[-1].direction
        ):
            found.append(_episode(current))
            current = []
        current.append(hour)
    if current:
        found.append(_episode(current))
    return found


def _episode(hours: list[Hour]) -> Episode:
    worst = max(hours, key=_distance)
    return Episode(start=hours[0].index, end=hours[-1].index, direction=hours[0].direction, worst=worst)
