"""The monitoring pages and the canvas's alert endpoint: who may read, who may act."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from journeys.models import Alert
from tests.factories import logged_in, make_customer, make_graph, make_journey, make_source, node
from tests.monitoring.helpers import burst, steady_events

pytestmark = pytest.mark.django_db

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_alert(**fields) -> Alert:
    values = {
        "series_key": "all",
        "direction": "increase",
        "window_start": END - timedelta(hours=1),
        "window_end": END,
        "observed": 126.0,
        "expected": 6.0,
        "lower": 1.2,
        "upper": 15.5,
        "created_at": END,
        "updated_at": END,
    }
    return Alert.objects.create(**{**values, **fields})


def test_anonymous_visitors_are_sent_to_log_in_and_users_without_a_role_are_refused():
    alert = make_alert()
    assert Client().get("/monitoring/").status_code == 302
    assert logged_in(None).get("/monitoring/").status_code == 403
    assert logged_in(None).get(f"/monitoring/{alert.id}/").status_code == 403


def test_reviewers_read_the_list_but_cannot_acknowledge_or_mute():
    alert = make_alert(series_key="event:<script>x</script>")
    client = logged_in("Reviewers")
    page = client.get("/monitoring/")
    assert page.status_code == 200
    assert b"event:&lt;script&gt;" in page.content
    assert b"Acknowledge" not in page.content
    assert client.post(f"/monitoring/{alert.id}/acknowledge/").status_code == 403
    assert client.post(f"/monitoring/{alert.id}/mute/", {"hours": "2"}).status_code == 403
    alert.refresh_from_db()
    assert alert.state == "open"


def test_admins_acknowledge_and_mute_with_csrf_enforced():
    alert = make_alert()
    strict = logged_in("Admins", enforce_csrf_checks=True)
    assert strict.post(f"/monitoring/{alert.id}/acknowledge/").status_code == 403

    admin = logged_in("Admins")
    assert b"Acknowledge" in admin.get("/monitoring/").content
    response = admin.post(f"/monitoring/{alert.id}/acknowledge/", {"next": "detail"})
    assert response.status_code == 302
    assert response["Location"] == f"/monitoring/{alert.id}/"
    alert.refresh_from_db()
    assert alert.state == "acknowledged"

    assert admin.post(f"/monitoring/{alert.id}/mute/", {"hours": "abc"}).status_code == 400
    assert admin.post(f"/monitoring/{alert.id}/mute/", {"hours": "100000"}).status_code == 400
    assert admin.post(f"/monitoring/{alert.id}/mute/", {"hours": "6"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == "muted"
    assert alert.muted_until > END
    assert admin.get("/monitoring/?state=muted").context["alerts"][0] == alert


def test_with_no_alerts_the_list_says_whether_anything_could_have_been_judged():
    from django.utils import timezone

    from journeys.models import MonitoringRun
    from journeys.roles import REVIEWERS

    client = logged_in(REVIEWERS)

    def status() -> str:
        return client.get("/monitoring/").content.decode()

    assert "Not checked yet" in status() and "No events received yet" in status()

    # A new install: its first events an hour ago, two weeks before anything can be judged.
    source, customer = make_source(), make_customer()
    first = (timezone.now() - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    burst(source=source, customer=customer, at=first, count=3)
    MonitoringRun.objects.create(id=1, evaluated_through=first)
    page = status()
    assert f"Judged up to {first:%Y-%m-%d %H:%M} UTC" in page
    assert f"from {first + timedelta(weeks=2):%Y-%m-%d %H:%M} UTC. Until then no alert can be raised." in page

    # Three weeks of history: nothing to explain.
    steady_events(source=source, customer=customer, until=first, weeks=3)
    assert "weeks of history" not in status()


def test_the_alert_page_draws_the_series_with_its_expected_band():
    source = make_source()
    ada = make_customer(external_id="ada")
    steady_events(source=source, customer=ada, until=END)
    burst(source=source, customer=ada, at=END - timedelta(minutes=30), count=120)
    alert = make_alert()

    page = logged_in("Reviewers").get(f"/monitoring/{alert.id}/")

    assert page.status_code == 200
    chart = page.context["chart"]
    assert chart is not None
    assert page.content.count(b'class="band"') == 1
    assert b'class="observed"' in page.content
    assert b'class="window"' in page.content
    assert chart.peak >= 126


def test_the_canvas_endpoint_lists_open_alerts_on_the_journeys_nodes():
    journey = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    open_alert = make_alert(
        series_key=f"node:{journey.id}:t:entered", journey=journey, node_id="t", direction="silence"
    )
    make_alert(series_key=f"node:{journey.id}:x:errored", journey=journey, node_id="x", state="acknowledged")

    response = logged_in("Reviewers").get(f"/api/journeys/{journey.id}/alerts/")

    assert response.status_code == 200
    assert [(row["id"], row["node_id"], row["metric"], row["direction"]) for row in response.json()] == [
        (open_alert.id, "t", "entered", "silence")
    ]
    assert logged_in(None).get(f"/api/journeys/{journey.id}/alerts/").status_code == 403
    assert logged_in("Reviewers").get("/api/journeys/999999/alerts/").status_code == 404
