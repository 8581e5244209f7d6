"""The detector on synthetic series: what it flags and what it leaves alone."""

import numpy as np

from bench.synthetic.series import make_series, seasonal_rate
from journeys.monitoring.detector import HOURS_IN_WEEK, MIN_WEEKS, episodes, expected_bands, judge

START = MIN_WEEKS * HOURS_IN_WEEK


def clean_series(seed: int, days: int = 42) -> np.ndarray:
    import random

    rate = seasonal_rate(random.Random(seed), days * 24)
    return np.random.default_rng(seed).poisson(rate).astype(float)


def test_clean_seasonal_data_raises_well_under_one_alert_per_series_month():
    # Ten series, four weeks judged each: the target allows ten false alerts; chance allows one.
    alerts = sum(len(episodes(judge(clean_series(seed), start=START))) for seed in range(10))
    assert alerts <= 1


def test_a_spike_is_flagged_as_an_increase_at_its_hour():
    counts = clean_series(11)
    counts[800] = counts[800] * 6 + 50
    found = episodes(judge(counts, start=START))
    assert [(episode.start, episode.direction) for episode in found] == [(800, "increase")]
    assert found[0].worst.observed == counts[800]
    assert found[0].worst.upper < counts[800]


def test_a_drop_to_zero_is_flagged_as_silence():
    counts = clean_series(12)
    counts[700:712] = 0
    found = episodes(judge(counts, start=START))
    assert len(found) == 1
    assert found[0].direction == "silence"
    assert found[0].start >= 700 and found[0].end <= 711


def test_a_level_shift_down_is_flagged_as_a_decrease():
    counts = clean_series(13)
    counts[720:768] = np.floor(counts[720:768] * 0.3)
    found = episodes(judge(counts, start=START))
    assert found
    assert all(720 <= episode.start <= 767 and episode.direction in ("decrease", "silence") for episode in found)


def test_hours_without_two_weeks_of_history_are_not_judged():
    counts = clean_series(14, days=10)
    expected, _, _ = expected_bands(counts)
    assert np.isnan(expected).all()
    assert judge(counts) == []


def test_the_synthetic_series_plant_what_they_report():
    series = make_series(5, days=90, anomalies=(3, 3))
    assert len(series.planted) == 3
    for truth in series.planted:
        if truth.kind == "drop_to_zero":
            assert not series.counts[truth.start : truth.end + 1].any()
