"""Monitoring in Chromium: an alert's page with the series and its band, and the mark on the canvas node."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journeys.models import Alert, MonitoringRun
from journeys.monitoring.series import hour_floor
from journeys.monitoring.services import monitoring_run
from journeys.roles import ADMINS, MARKETERS
from tests.browser.helpers import open_editor
from tests.factories import make_customer, make_graph, make_journey, make_source, make_user, node
from tests.monitoring.helpers import burst, steady_events

pytestmark = pytest.mark.browser


def test_an_ingestion_spike_is_listed_drawn_with_its_band_and_acknowledged(
    transactional_db, page, live_server_url, login, artifact_path
):
    now = timezone.now()
    until = hour_floor(now)
    source = make_source()
    ada = make_customer(external_id="ada")
    steady_events(source=source, customer=ada, until=until)
    burst(source=source, customer=ada, at=until - timedelta(minutes=30), count=150)
    MonitoringRun.objects.create(evaluated_through=until - timedelta(hours=1))
    assert monitoring_run(now=now) >= 1
    alert = Alert.objects.get(series_key="all")

    login(page, make_user(role=ADMINS))
    page.goto(f"{live_server_url}/monitoring/")
    row = page.locator(f'tr[data-alert="{alert.id}"]')
    expect(row).to_contain_text("increase")
    page.screenshot(path=artifact_path("monitoring-list.png"), full_page=True)

    row.get_by_role("link", name="all").click()
    chart = page.locator("svg.series-chart")
    expect(chart).to_be_visible()
    band = chart.locator("polygon.band").bounding_box()
    assert band and band["width"] > 500 and band["height"] > 5
    assert chart.locator("polyline.observed").bounding_box()["width"] > 500
    assert chart.locator("rect.window").count() == 1
    page.screenshot(path=artifact_path("monitoring-alert.png"), full_page=True)

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".messages")).to_contain_text("acknowledged")
    alert.refresh_from_db()
    assert alert.state == "acknowledged"


def test_a_node_with_an_open_alert_carries_a_mark_on_the_canvas(
    transactional_db, page, live_server_url, login, artifact_path
):
    journey = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    now = timezone.now()
    alert = Alert.objects.create(
        series_key=f"node:{journey.id}:t:entered",
        journey=journey,
        node_id="t",
        direction="silence",
        window_start=now - timedelta(hours=3),
        window_end=now,
        observed=0,
        expected=40,
        lower=20,
        upper=62,
        created_at=now,
        updated_at=now,
    )

    login(page, make_user(role=MARKETERS))
    open_editor(page, live_server_url, journey)

    mark = page.locator('.react-flow__node[data-id="t"] [data-testid="anomaly-mark"]')
    expect(mark).to_be_visible()
    expect(mark).to_have_attribute("href", f"/monitoring/{alert.id}/")
    expect(mark).to_have_attribute("title", "Unusual silence in entered: 0 in an hour, about 40 expected")
    expect(page.locator('.react-flow__node[data-id="x"] [data-testid="anomaly-mark"]')).to_have_count(0)
    page.screenshot(path=artifact_path("monitoring-canvas-mark.png"))
