"""The journey report's own counters: exit reasons, wait-time buckets and the percentiles read from them."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.metrics import bucket_bounds, dwell_bucket, exit_metric
from journeys.reports.selectors import _percentile
from journeys.selectors import node_counters
from tests.reports.helpers import populated_journey


def test_exit_reasons_are_cut_at_the_first_colon():
    assert exit_metric("exit criteria: did Unsubscribed") == "exit:exit criteria"
    assert exit_metric("error: KeyError: 'x'") == "exit:error"
    assert exit_metric("end of path") == "exit:end of path"
    assert exit_metric("") == "exit:unknown"


@pytest.mark.parametrize("seconds", [0.2, 1, 59, 3600, 86400 * 3, 86400 * 365])
def test_a_wait_falls_in_the_bucket_that_holds_it(seconds):
    low, high = bucket_bounds(dwell_bucket(seconds))
    assert low <= seconds < high
    assert high / max(low, 1) <= math.sqrt(2) + 1e-9 or low == 0


def test_percentiles_from_buckets_stay_within_a_factor_of_sqrt_2():
    waits = [60 * k for k in range(1, 1001)]  # 1 minute to 1000 minutes, evenly
    histogram = {}
    for wait in waits:
        histogram[dwell_bucket(wait)] = histogram.get(dwell_bucket(wait), 0) + 1
    median, p90 = _percentile(histogram, 0.5), _percentile(histogram, 0.9)
    assert 500 * 60 / math.sqrt(2) <= median <= 500 * 60 * math.sqrt(2)
    assert 900 * 60 / math.sqrt(2) <= p90 <= 900 * 60 * math.sqrt(2)
    assert _percentile({}, 0.5) is None


@pytest.mark.django_db
def test_report_counters_stay_out_of_the_live_canvas_counters():
    journey, _ = populated_journey()
    for since in (None, timezone.now() - timedelta(hours=1)):
        metrics = {metric for node in node_counters(journey.pk, since=since).values() for metric in node}
        assert not any(m.startswith(("exit:", "dwell:")) for m in metrics)
        assert "exited" in metrics
