"""Rolling old hourly counters into all-time rows: same totals, fewer rows, recent hours kept exact."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from journeys import selectors, services
from journeys.engine.batch import GAUGE_HOUR
from journeys.models import Journey, NodeStat

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def add_counters(journey, *, hours: int, shards: int = 2) -> None:
    """One of each flow counter per node, hour and shard, for the `hours` hours up to NOW."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT %s, n, m, date_trunc('hour', %s::timestamptz) - make_interval(hours => h), s, 1"
            " FROM unnest(ARRAY['a', 'b']) n, unnest(ARRAY['entered', 'passed:next', 'exited', 'converted']) m,"
            " generate_series(0, %s - 1) h, generate_series(0, %s - 1) s",
            [journey.pk, NOW, hours, shards],
        )
    NodeStat.objects.create(journey=journey, node_id="b", metric="waiting", hour=GAUGE_HOUR, value=7)


def test_it_keeps_all_time_figures_and_the_last_week_hour_by_hour():
    journey = services.journey_create(name="Old and busy")
    Journey.objects.filter(pk=journey.pk).update(entered_count=1000)
    journey.refresh_from_db()
    add_counters(journey, hours=30 * 24)
    all_time = selectors.node_counters(journey.pk)
    last_day = selectors.node_counters(journey.pk, since=NOW - 24 * HOUR)
    last_week = selectors.node_counters(journey.pk, since=NOW - 7 * 24 * HOUR + HOUR)
    totals = selectors.journey_totals([journey])
    rows_before = NodeStat.objects.filter(journey=journey).count()

    folded = services.node_stats_roll_up(now=NOW)

    assert folded == 2 * 4 * 2 * (30 * 24 - 7 * 24 - 1)
    assert selectors.node_counters(journey.pk) == all_time
    assert selectors.node_counters(journey.pk, since=NOW - 24 * HOUR) == last_day
    assert selectors.node_counters(journey.pk, since=NOW - 7 * 24 * HOUR + HOUR) == last_week
    assert selectors.journey_totals([journey]) == totals
    assert all_time["b"]["waiting"] == 7
    assert NodeStat.objects.filter(journey=journey).count() == rows_before - folded + 2 * 4


def test_running_it_again_folds_only_what_became_old():
    journey = services.journey_create(name="Old and busy")
    add_counters(journey, hours=10 * 24)
    services.node_stats_roll_up(now=NOW)
    all_time = selectors.node_counters(journey.pk)

    assert services.node_stats_roll_up(now=NOW) == 0
    assert services.node_stats_roll_up(now=NOW + 2 * HOUR) == 2 * 4 * 2 * 2
    assert selectors.node_counters(journey.pk) == all_time
    assert selectors.node_counters(journey.pk)["a"]["entered"] == 10 * 24 * 2


def test_it_leaves_young_journeys_alone():
    journey = services.journey_create(name="New")
    add_counters(journey, hours=24)
    assert services.node_stats_roll_up(now=NOW) == 0
    assert NodeStat.objects.filter(journey=journey).count() == 2 * 4 * 24 * 2 + 1
