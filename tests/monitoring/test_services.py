"""The hourly job: alerts from real series, merged episodes, mutes, and notifications to Admins."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from journeys.models import Alert, Event, MonitoringRun, NodeStat
from journeys.monitoring.services import alert_acknowledge, alert_mute, monitoring_run
from tests.delivery.peers import HttpPeer
from tests.factories import make_customer, make_graph, make_journey, make_source, make_user, node
from tests.monitoring.helpers import burst, steady_events

pytestmark = pytest.mark.django_db

UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the spike hour is 11:00-12:00


@pytest.fixture(autouse=True)
def mail_and_webhook(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_WEBHOOK_URL = ""


@pytest.fixture
def spiked():
    source = make_source()
    ada = make_customer(external_id="ada")
    steady_events(source=source, customer=ada, until=UNTIL)
    burst(source=source, customer=ada, at=UNTIL - timedelta(minutes=30), count=120)
    MonitoringRun.objects.create(evaluated_through=UNTIL - timedelta(hours=1))
    return source


def test_a_spike_in_ingestion_opens_alerts_for_all_events_the_source_and_the_event_name(spiked):
    created = monitoring_run(now=UNTIL + timedelta(minutes=5))

    assert created == 3
    keys = set(Alert.objects.values_list("series_key", flat=True))
    assert keys == {"all", f"source:{spiked.id}", "event:Page Viewed"}
    alert = Alert.objects.get(series_key="all")
    assert alert.direction == "increase"
    assert alert.state == "open"
    assert alert.window_start == UNTIL - timedelta(hours=1)
    assert alert.observed > alert.upper >= alert.expected
    # The hour is judged once: a second run in the same hour finds nothing new.
    assert monitoring_run(now=UNTIL + timedelta(minutes=20)) == 0


def test_admins_are_emailed_and_the_webhook_gets_json_for_each_new_alert(
    spiked, settings, django_capture_on_commit_callbacks
):
    make_user(role="Admins", email="admin@example.com")
    make_user(role="Reviewers", email="reviewer@example.com")
    with HttpPeer() as peer:
        settings.ALERT_WEBHOOK_URL = peer.url + "/alerts"
        with django_capture_on_commit_callbacks(execute=True):
            monitoring_run(now=UNTIL + timedelta(minutes=5))

    assert len(mail.outbox) == 3
    assert all(message.to == ["admin@example.com"] for message in mail.outbox)
    assert any("Unusual increase in all" in message.subject for message in mail.outbox)
    posted = [json.loads(request.body)["alert"] for request in peer.requests]
    assert {alert["series"] for alert in posted} == {"all", f"source:{spiked.id}", "event:Page Viewed"}
    assert all(request.path == "/alerts" for request in peer.requests)
    assert Alert.objects.filter(notified_at__isnull=False).count() == 3


def test_an_anomaly_that_goes_on_extends_its_alert_instead_of_opening_another(spiked):
    monitoring_run(now=UNTIL + timedelta(minutes=5))
    source = spiked
    ada = Event.objects.first().customer
    burst(source=source, customer=ada, at=UNTIL + timedelta(minutes=30), count=120)

    assert monitoring_run(now=UNTIL + timedelta(hours=1, minutes=5)) == 0
    alert = Alert.objects.get(series_key="all")
    assert alert.window_end == UNTIL + timedelta(hours=1)
    assert alert.hours == 2


def test_a_muted_series_raises_nothing_until_the_mute_ends(spiked, django_capture_on_commit_callbacks):
    make_user(role="Admins", email="admin@example.com")
    monitoring_run(now=UNTIL + timedelta(minutes=5))
    admin = make_user(role="Admins")
    for alert in Alert.objects.all():
        alert_mute(alert=alert, user=admin, hours=24)
    mail.outbox.clear()
    ada = Event.objects.first().customer
    # A new episode three hours later on the same series.
    burst(source=spiked, customer=ada, at=UNTIL + timedelta(hours=3, minutes=30), count=150)
    with django_capture_on_commit_callbacks(execute=True):
        created = monitoring_run(now=UNTIL + timedelta(hours=4, minutes=5))
    assert created == 0
    assert mail.outbox == []


def test_acknowledging_records_who_and_leaves_the_alert_listed(spiked):
    monitoring_run(now=UNTIL + timedelta(minutes=5))
    admin = make_user(role="Admins")
    alert = alert_acknowledge(alert=Alert.objects.get(series_key="all"), user=admin)
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    assert alert.acknowledged_by == admin
    with pytest.raises(ValueError):
        alert_mute(alert=alert, user=admin, hours=0)


def test_a_node_that_stops_entering_customers_raises_a_silence_on_that_node():
    journey = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    hour = UNTIL - timedelta(weeks=3)
    rows = []
    while hour < UNTIL - timedelta(hours=4):
        rows.append(NodeStat(journey=journey, node_id="t", metric="entered", hour=hour, value=40))
        hour += timedelta(hours=1)
    NodeStat.objects.bulk_create(rows)
    MonitoringRun.objects.create(evaluated_through=UNTIL - timedelta(hours=4))

    monitoring_run(now=UNTIL + timedelta(minutes=5))

    alert = Alert.objects.get(series_key=f"node:{journey.id}:t:entered")
    assert alert.direction == "silence"
    assert alert.journey_id == journey.id
    assert alert.node_id == "t"
    assert alert.window_start == UNTIL - timedelta(hours=4)
