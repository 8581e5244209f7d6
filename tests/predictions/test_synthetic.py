"""The benchmarks' synthetic customers: as many events as asked, and a planted truth the product can see."""

from datetime import UTC, datetime

import numpy as np
import pytest

from bench.synthetic import generate_customers, true_probability
from journeys.models import Event
from journeys.predictions import features
from journeys.predictions import spec as specs
from tests.factories import make_source

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SPEC = {
    "windows": [7, 30, 90],
    "events": ["Order Completed", "Page Viewed"],
    "engagement": ["Email Opened"],
    "channels": ["email"],
    "numeric": ["age"],
    "categorical": {"plan": ["free", "pro"]},
}


@pytest.fixture
def planted(db):
    # Three uneven chunks and a fractional rate: each chunk's share must still add up exactly.
    return generate_customers(
        customers=2500, events_per_customer=7.3, now=NOW, source_id=make_source().pk, seed=5, chunk=1000
    )


def test_the_generator_writes_exactly_the_number_of_events_asked_for(planted):
    assert planted.events == 18_250
    assert Event.objects.count() == 18_250


def test_the_planted_probability_is_the_known_function_of_the_features_the_product_builds(planted):
    matrix = features.build_matrix(SPEC, at=planted.cutoff)
    column = dict(zip(["id", *specs.feature_names(SPEC)], matrix.T, strict=True))
    order = np.searchsorted(column["id"], planted.customer_ids)
    assert np.array_equal(column["id"][order], planted.customer_ids)
    expected = true_probability(
        orders_30d=column["event0_30d"][order],
        views_7d=column["event1_7d"][order],
        days_since_last=column["days_since_last_event"][order],
        opened_30d=column["engagement_30d"][order],
        pro=column["category0"][order] == 1,
        age=column["numeric0"][order],
    )
    # Timestamps are whole seconds, so "days since last" may differ by under a second.
    np.testing.assert_allclose(planted.probability, expected, rtol=1e-6)
