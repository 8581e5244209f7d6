"""Monthly partitions: made ahead, old months dropped whole, and nothing else lost on the way."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from journeys import roles
from journeys.engine.batch import BatchWriter
from journeys.ingest.messages import IncomingMessage
from journeys.ingest.services import events_ingest
from journeys.models import (
    AuditEntry,
    Delivery,
    Enrollment,
    Event,
    EventReceipt,
    InAppMessage,
    NodeStat,
    NodeStatTotal,
    Step,
    Suppression,
)
from journeys.retention import partitions
from journeys.retention.partitions import add_months, maintain, month_start
from journeys.retention.tables import COUNTERS, DELIVERIES, EVENTS, STEPS, TABLES
from journeys.services import node_stat_totals_refresh
from tests.factories import logged_in, make_customer, make_event, make_source

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
OLD = datetime(2026, 6, 10, 12, tzinfo=UTC)  # a month that 30 days' retention drops on NOW


def partition_names(spec) -> list[str]:
    with connection.cursor() as cursor:
        return [p.name for p in partitions.partitions(cursor, spec)]


def partition_of(table: str, row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def live_journey():
    from tests.engine.helpers import quick_journey

    return quick_journey()


def enrollment_for(journey, customer) -> Enrollment:
    return Enrollment.objects.create(
        journey=journey,
        version=journey.current_version,
        customer=customer,
        node_id="x",
        status="active",
        entered_at=NOW,
        updated_at=NOW,
    )


def old_delivery(enrollment, **fields) -> Delivery:
    """A delivery written in June, the month 30 days' retention drops on NOW."""
    journey = enrollment.journey
    return Delivery.objects.create(
        enrollment=enrollment,
        journey=journey,
        version=journey.current_version,
        customer=enrollment.customer,
        node_id="x",
        created_at=OLD,
        **{"channel": "email", **fields},
    )


def queue_delivery(writer: BatchWriter, enrollment, entered_at=None) -> None:
    """The engine's way of queueing a message: node x, first visit."""
    writer.deliver(
        enrollment_id=enrollment.id,
        journey_id=enrollment.journey_id,
        version_id=enrollment.version_id,
        customer_id=enrollment.customer_id,
        node_id="x",
        visit=1,
        channel="email",
        payload={},
        entered_at=entered_at or enrollment.entered_at,
    )


def test_every_table_is_partitioned_with_months_ahead_a_default_and_the_gauges():
    this_month = month_start(timezone.now())
    for spec in TABLES:
        names = partition_names(spec)
        for ahead in range(2):
            assert partitions.month_partition_name(spec, add_months(this_month, ahead)) in names
        assert f"{spec.table}_default" in names
    assert "journeys_nodestat_gauge" in partition_names(COUNTERS)


def test_rows_go_to_their_month_and_rows_outside_the_months_made_to_the_default():
    source, customer = make_source(), make_customer(external_id="c1")
    recent = make_event(customer=customer, source=source)
    ancient = make_event(customer=customer, source=source, received_at=datetime(2001, 1, 1, tzinfo=UTC))
    assert partition_of("journeys_event", recent.id) == partitions.month_partition_name(EVENTS, timezone.now())
    assert partition_of("journeys_event", ancient.id) == "journeys_event_default"


def test_a_month_made_later_takes_its_rows_from_the_default_partition():
    source, customer = make_source(), make_customer(external_id="c1")
    event = make_event(customer=customer, source=source, received_at=OLD)
    assert partition_of("journeys_event", event.id) == "journeys_event_default"

    made = partitions.ensure_partitions(EVENTS, now=NOW, first=OLD)

    assert "journeys_event_p202606" in made
    assert partition_of("journeys_event", event.id) == "journeys_event_p202606"
    assert Event.objects.get(id=event.id).name == event.name


@pytest.fixture
def thirty_days(settings):
    for spec in TABLES:
        setattr(settings, spec.retention_setting, 30)


def test_maintenance_drops_months_past_retention_whole_and_keeps_the_rest(thirty_days):
    for spec in TABLES:
        partitions.ensure_partitions(spec, now=NOW, first=OLD)
    source, customer = make_source(), make_customer(external_id="c1")
    old = make_event(customer=customer, source=source, received_at=OLD)
    recent = make_event(customer=customer, source=source, received_at=NOW - timedelta(days=20))

    report = maintain(now=NOW)

    # June to October ended more than 30 days before December 6th; November has rows 20 days old.
    assert "journeys_event_p202606" in report["dropped"] and "journeys_event_p202610" in report["dropped"]
    assert "journeys_event_p202611" not in report["dropped"]
    assert list(Event.objects.values_list("id", flat=True)) == [recent.id]
    assert not Event.objects.filter(id=old.id).exists()
    assert "journeys_event_p202606" not in partition_names(EVENTS)
    assert AuditEntry.objects.filter(action="retention.drop", object_id="journeys_event_p202606").exists()


def test_retention_of_zero_days_keeps_everything(settings):
    settings.EVENT_RETENTION_DAYS = 0
    partitions.ensure_partitions(EVENTS, now=NOW, first=OLD)
    event = make_event(customer=make_customer(external_id="c1"), source=make_source(), received_at=OLD)
    report = maintain(now=NOW)
    assert not [name for name in report["dropped"] if name.startswith("journeys_event_")]
    assert Event.objects.filter(id=event.id).exists()


def test_the_default_partition_is_trimmed_row_by_row_past_retention(thirty_days):
    source, customer = make_source(), make_customer(external_id="c1")
    ancient = make_event(customer=customer, source=source, received_at=datetime(2001, 1, 1, tzinfo=UTC))
    future = make_event(customer=customer, source=source, received_at=datetime(2031, 1, 1, tzinfo=UTC))
    report = maintain(now=NOW)
    assert report["purged_rows"] >= 1
    assert not Event.objects.filter(id=ancient.id).exists()
    assert Event.objects.filter(id=future.id).exists()


def test_a_month_with_deliveries_not_sent_yet_is_kept(thirty_days):
    partitions.ensure_partitions(DELIVERIES, now=NOW, first=OLD)
    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    queued = old_delivery(enrollment)

    report = maintain(now=NOW)

    assert "journeys_delivery_p202606" in report["kept"]
    assert Delivery.objects.filter(id=queued.id).exists()
    Delivery.objects.filter(id=queued.id).update(status="sent")
    assert "journeys_delivery_p202606" in maintain(now=NOW)["dropped"]


def test_in_app_messages_and_opt_outs_lose_their_pointer_to_a_dropped_delivery(thirty_days):
    partitions.ensure_partitions(DELIVERIES, now=NOW, first=OLD)
    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    sent = old_delivery(enrollment, channel="in_app", status="sent")
    message = InAppMessage.objects.create(customer=customer, delivery=sent, title="Hi", body="There", created_at=OLD)
    opt_out = Suppression.objects.create(
        customer=customer, channel="email", scope="marketing", reason="link", delivery=sent
    )

    maintain(now=NOW)

    message.refresh_from_db()
    opt_out.refresh_from_db()
    assert message.delivery_id is None and opt_out.delivery_id is None
    assert not Delivery.objects.filter(id=sent.id).exists()


def test_counters_of_dropped_hours_stay_in_the_all_time_totals(thirty_days):
    partitions.ensure_partitions(COUNTERS, now=NOW, first=OLD)
    journey = live_journey()
    NodeStat.objects.create(journey=journey, node_id="t", metric="entered", hour=OLD, value=7)
    NodeStat.objects.create(journey=journey, node_id="t", metric="entered", hour=NOW - timedelta(days=3), value=5)
    gauge = NodeStat.objects.create(
        journey=journey, node_id="x", metric="waiting", hour=datetime(1970, 1, 1, tzinfo=UTC), value=4
    )

    maintain(now=NOW)

    assert not NodeStat.objects.filter(hour=OLD).exists()
    assert NodeStat.objects.filter(id=gauge.id).exists()  # gauges are never dropped
    total = NodeStatTotal.objects.get(journey=journey, node_id="t", metric="entered")
    assert (total.value, total.retired) == (12, 7)
    # A full recount of the hours still kept adds the dropped ones back, not loses them.
    node_stat_totals_refresh(now=NOW, full=True)
    total.refresh_from_db()
    assert (total.value, total.retired) == (12, 7)


def test_steps_are_dropped_with_their_month(thirty_days):
    partitions.ensure_partitions(STEPS, now=NOW, first=OLD)
    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    for at in (OLD, NOW - timedelta(days=1)):
        Step.objects.create(
            enrollment=enrollment,
            journey_id=journey.id,
            customer_id=customer.id,
            node_id="t",
            action="entered",
            reason="test",
            at=at,
        )
    maintain(now=NOW)
    assert list(Step.objects.values_list("at", flat=True)) == [NOW - timedelta(days=1)]


def message(message_id: str, user_id: str = "c1") -> IncomingMessage:
    return IncomingMessage(
        index=0,
        type="track",
        message_id=message_id,
        timestamp=timezone.now(),
        user_id=user_id,
        anonymous_id=None,
        name="Clicked",
        properties={},
    )


def test_a_resent_message_id_is_a_duplicate_across_months():
    source = make_source()
    this_month = month_start(timezone.now())
    last_second = add_months(this_month, 1) - timedelta(seconds=1)
    first = events_ingest(source_id=source.id, messages=[message("m-1")], received_at=last_second)
    again = events_ingest(source_id=source.id, messages=[message("m-1")], received_at=add_months(this_month, 1))
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 1)
    twice_in_one = events_ingest(
        source_id=source.id, messages=[message("m-2"), message("m-2")], received_at=timezone.now()
    )
    assert (twice_in_one.accepted, twice_in_one.duplicates) == (1, 1)
    assert Event.objects.count() == 2
    # Another source may use the same id.
    assert (
        events_ingest(source_id=make_source().id, messages=[message("m-1")], received_at=timezone.now()).accepted == 1
    )


def test_message_ids_are_forgotten_after_the_dedupe_window(settings):
    settings.EVENT_DEDUPE_DAYS = 7
    source = make_source()
    events_ingest(source_id=source.id, messages=[message("m-1")], received_at=NOW - timedelta(days=8))
    events_ingest(source_id=source.id, messages=[message("m-2")], received_at=NOW - timedelta(days=6))
    assert partitions.purge_receipts(NOW) == 1
    assert list(EventReceipt.objects.values_list("message_id", flat=True)) == ["m-2"]


def test_a_delivery_is_queued_once_per_visit_even_across_months():
    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    this_month = month_start(timezone.now())
    Enrollment.objects.filter(pk=enrollment.pk).update(entered_at=this_month)
    enrollment.refresh_from_db()
    for now in (this_month + timedelta(days=1), add_months(this_month, 1) + timedelta(days=1)):
        writer = BatchWriter(now)
        for _ in range(2):  # the same visit twice in one batch, too
            queue_delivery(writer, enrollment)
        writer.flush()
    assert Delivery.objects.filter(enrollment=enrollment, node_id="x", visit=1).count() == 1


def test_the_once_per_visit_check_allows_for_clocks_that_disagree():
    # The check looks only from the enrollment's entry on (so old months are skipped), less a
    # day: a worker whose clock runs hours behind the web's still finds the delivery it made.
    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    this_month = month_start(timezone.now())
    entered = this_month + timedelta(days=1)
    behind = BatchWriter(entered - timedelta(hours=20))
    queue_delivery(behind, enrollment, entered_at=entered)
    behind.flush()
    again = BatchWriter(add_months(this_month, 1))
    queue_delivery(again, enrollment, entered_at=entered)
    again.flush()
    assert Delivery.objects.filter(enrollment=enrollment, node_id="x", visit=1).count() == 1


def test_a_merge_and_a_privacy_delete_reach_every_month():
    from journeys.ingest.identity import customer_merge
    from journeys.privacy.services import customer_erase

    partitions.ensure_partitions(EVENTS, now=NOW, first=OLD)
    source = make_source()
    kept, merged_away = make_customer(external_id="kept"), make_customer(anonymous_ids=["anon"])
    for at in (OLD, NOW, datetime(2001, 1, 1, tzinfo=UTC)):
        make_event(customer=merged_away, source=source, received_at=at)
    customer_merge(merged_away_id=merged_away.id, kept_id=kept.id)
    assert Event.objects.filter(customer_id=kept.id).count() == 3
    customer_erase(kept.id)
    assert not Event.objects.exists()


def test_the_retention_page_is_for_admins_and_shows_each_table():
    make_event(customer=make_customer(external_id="c1"), source=make_source())
    for role in (roles.MARKETERS, roles.REVIEWERS):
        client = logged_in(role)
        assert client.get("/retention/").status_code == 403
        assert 'href="/retention/"' not in client.get("/reports/").content.decode()  # not in their menu
    response = logged_in(roles.ADMINS).get("/retention/")
    assert response.status_code == 200
    page = response.content.decode()
    for spec in TABLES:
        assert spec.table in page
    assert "400 days" in page and "Next drop" in page
    assert partitions.month_partition_name(EVENTS, timezone.now()) in page


@pytest.mark.django_db(transaction=True)
def test_a_privacy_erase_waits_for_an_engine_tick_moving_the_customer():
    # Without foreign keys, a delivery queued by a tick that holds the enrollment while the
    # erase runs would outlive the customer; the erase locks the enrollments first.
    import threading
    import time

    from django.db import connection as thread_connection
    from django.db import transaction

    from journeys.privacy.services import customer_erase

    journey, customer = live_journey(), make_customer(external_id="c1")
    enrollment = enrollment_for(journey, customer)
    locked, errors = threading.Event(), []

    def tick():
        try:
            with transaction.atomic():
                Enrollment.objects.select_for_update().get(id=enrollment.id)
                locked.set()
                time.sleep(0.5)
                writer = BatchWriter(timezone.now())
                queue_delivery(writer, enrollment)
                writer.flush()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            thread_connection.close()

    worker = threading.Thread(target=tick)
    worker.start()
    assert locked.wait(5)
    customer_erase(customer.id)
    worker.join()
    assert errors == []
    assert not Delivery.objects.exists()
    assert not Enrollment.objects.exists()


def test_a_report_reads_counters_across_months_and_says_when_retention_cut_them(thirty_days):
    from journeys.reports.selectors import journey_report

    partitions.ensure_partitions(COUNTERS, now=NOW, first=OLD)
    journey = live_journey()
    for hour, value in ((OLD, 7), (NOW - timedelta(days=40), 3), (NOW - timedelta(days=3), 5)):
        NodeStat.objects.create(journey=journey, node_id="t", metric="entered", hour=hour, value=value)
    assert journey_report(journey)["totals"]["entries"] == 15  # June, October, December
    assert journey_report(journey)["hourly_since"] is None

    maintain(now=NOW)

    report = journey_report(journey)
    assert report["totals"]["entries"] == 5
    assert report["hourly_since"] == datetime(2026, 11, 1, tzinfo=UTC)
    page = logged_in(roles.MARKETERS).get(f"/reports/journeys/{journey.pk}/").content.decode()
    assert "Hourly counters before 2026-11-01 are past retention" in page


def test_a_partitioned_tables_size_estimate_sums_its_partitions():
    # Autovacuum analyzes partitions, never their parent, whose own estimate stays unknown; the
    # predictions' sampling rate is chosen from this sum.
    from journeys.sql import estimated_rows

    source, customer = make_source(), make_customer(external_id="c1")
    for _ in range(30):
        make_event(customer=customer, source=source)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {partitions.month_partition_name(EVENTS, timezone.now())}")
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'journeys_event'::regclass")
        assert cursor.fetchone()[0] <= 0  # the parent knows nothing
    assert estimated_rows("journeys_event") == 30
