"""Counter totals: all-time figures read from NodeStatTotal plus recent hours equal the plain sums."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys import selectors, services
from journeys.metrics import GAUGE_HOUR
from journeys.models import Journey, NodeStat, NodeStatTotal

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def add_counters(journey, *, hours: int, until: datetime = NOW, shards: int = 2) -> None:
    """One of each flow counter per node, hour and shard, for the `hours` hours up to `until`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT %s, n, m, date_trunc('hour', %s::timestamptz) - make_interval(hours => h), s, 1"
            " FROM unnest(ARRAY['a', 'b']) n, unnest(ARRAY['entered', 'passed:next', 'exited', 'converted']) m,"
            " generate_series(0, %s - 1) h, generate_series(0, %s - 1) s"
            " ON CONFLICT (journey_id, node_id, metric, hour, shard) DO UPDATE SET value = journeys_nodestat.value + 1",
            [journey.pk, until, hours, shards],
        )


def plain_sums(journey) -> dict:
    """What node_counters gave before totals existed: every row summed."""
    sums: dict = {}
    for row in NodeStat.objects.filter(journey=journey).values("node_id", "metric", "value"):
        node = sums.setdefault(row["node_id"], {})
        node[row["metric"]] = node.get(row["metric"], 0) + row["value"]
    return sums


@pytest.fixture
def journey() -> Journey:
    journey = services.journey_create(name="Busy")
    Journey.objects.filter(pk=journey.pk).update(entered_count=5000)
    journey.refresh_from_db()
    NodeStat.objects.create(journey=journey, node_id="b", metric="waiting", hour=GAUGE_HOUR, value=7)
    return journey


def test_all_time_figures_are_the_same_before_and_after_a_refresh(journey):
    add_counters(journey, hours=30 * 24)
    before = selectors.node_counters(journey.pk)
    totals_before = selectors.journey_totals([journey])

    assert services.node_stat_totals_refresh(now=NOW) == 1

    assert NodeStatTotal.objects.filter(journey=journey).count() == 2 * 4
    assert selectors.node_counters(journey.pk) == before == plain_sums(journey)
    assert selectors.journey_totals([journey]) == totals_before
    assert before["b"]["waiting"] == 7
    assert totals_before[journey.pk] == {"entered": 5000, "active": 5000 - 30 * 24 * 2 * 2, "converted": 2880}


def test_hours_added_after_the_refresh_count_as_well(journey):
    add_counters(journey, hours=48)
    services.node_stat_totals_refresh(now=NOW)

    add_counters(journey, hours=3, until=NOW + 2 * HOUR)  # the current hours keep growing

    assert selectors.node_counters(journey.pk) == plain_sums(journey)
    assert selectors.node_counters(journey.pk)["a"]["entered"] == (48 + 3) * 2


def test_a_late_write_into_an_hour_already_summed_is_counted_at_the_next_full_refresh(journey):
    add_counters(journey, hours=48)
    services.node_stat_totals_refresh(now=NOW)
    add_counters(journey, hours=1, until=NOW - 10 * HOUR)  # a tick with a wrong clock

    services.node_stat_totals_refresh(now=NOW + HOUR)
    assert selectors.node_counters(journey.pk)["a"]["entered"] == 48 * 2  # incremental: not yet
    services.node_stat_totals_refresh(now=NOW.replace(hour=0) + timedelta(days=1))  # the midnight run is full
    assert selectors.node_counters(journey.pk) == plain_sums(journey)
    assert selectors.node_counters(journey.pk)["a"]["entered"] == 49 * 2


def test_hourly_runs_add_the_new_hours_and_agree_with_a_full_sum(journey):
    add_counters(journey, hours=72)
    services.node_stat_totals_refresh(now=NOW)
    for hours_later in range(1, 6):
        add_counters(journey, hours=1, until=NOW + hours_later * HOUR)
        add_counters(journey, hours=1, until=NOW + hours_later * HOUR - HOUR)  # the previous hour grows too
        services.node_stat_totals_refresh(now=NOW + hours_later * HOUR)
        assert selectors.node_counters(journey.pk) == plain_sums(journey)
    incremental = set(NodeStatTotal.objects.filter(journey=journey).values_list("node_id", "metric", "value"))

    services.node_stat_totals_refresh(now=NOW + 5 * HOUR, full=True)

    assert set(NodeStatTotal.objects.filter(journey=journey).values_list("node_id", "metric", "value")) == incremental
    assert set(NodeStatTotal.objects.filter(journey=journey).values_list("through", flat=True)) == {
        (NOW + 3 * HOUR).replace(minute=0)
    }


def test_a_second_run_in_the_same_hour_adds_nothing(journey):
    add_counters(journey, hours=72)
    services.node_stat_totals_refresh(now=NOW)
    services.node_stat_totals_refresh(now=NOW + HOUR)
    services.node_stat_totals_refresh(now=NOW + HOUR)
    assert selectors.node_counters(journey.pk) == plain_sums(journey)


def test_time_ranges_still_read_the_hourly_rows(journey):
    add_counters(journey, hours=72)
    services.node_stat_totals_refresh(now=NOW)

    last_day = selectors.node_counters(journey.pk, since=NOW - 24 * HOUR)

    assert last_day["a"]["entered"] == 25 * 2  # 24 whole hours back from 12:30, and 12:00 itself
    assert last_day["b"]["waiting"] == 7


def test_the_hourly_rows_stay_for_the_reports(journey):
    add_counters(journey, hours=72)
    rows = NodeStat.objects.count()
    services.node_stat_totals_refresh(now=NOW)
    assert NodeStat.objects.count() == rows


def test_a_journey_without_counters_gets_no_totals():
    journey = services.journey_create(name="Quiet")
    services.node_stat_totals_refresh(now=NOW)
    assert not NodeStatTotal.objects.filter(journey=journey).exists()
    assert selectors.node_counters(journey.pk) == {}
    assert selectors.journey_totals([journey]) == {journey.pk: {"entered": 0, "active": 0, "converted": 0}}


def test_journeys_without_counters_cost_the_refresh_nothing(journey):
    add_counters(journey, hours=3)

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            services.node_stat_totals_refresh(now=NOW, full=True)
        return len(captured.captured_queries)

    alone = statements()
    for number in range(5):
        services.journey_create(name=f"Draft {number}")
    assert statements() == alone
