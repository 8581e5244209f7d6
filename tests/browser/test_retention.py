"""The retention page in Chromium: an Admin reads what each table keeps and opens its partitions."""

from datetime import UTC

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journeys.retention.partitions import month_partition_name
from journeys.retention.tables import EVENTS
from journeys.roles import ADMINS, MARKETERS
from tests.factories import make_customer, make_event, make_source, make_user

pytestmark = pytest.mark.browser


def test_an_admin_sees_sizes_oldest_rows_and_next_drops(transactional_db, page, live_server_url, login, artifact_path):
    source, customer = make_source(), make_customer(external_id="ada")
    first = make_event(customer=customer, source=source)
    for _ in range(20):
        make_event(customer=customer, source=source)

    login(page, make_user(role=ADMINS))
    page.goto(f"{live_server_url}/reports/")
    page.get_by_role("navigation").get_by_role("link", name="Retention").click()
    expect(page).to_have_url(f"{live_server_url}/retention/")
    table = page.get_by_role("table", name="Retention by table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    events_row = rows.filter(has_text="journeys_event ")
    expect(events_row).to_contain_text("400 days")
    expect(events_row).to_contain_text(first.received_at.astimezone(UTC).strftime("%Y-%m-%d"))
    expect(rows.filter(has_text="journeys_nodestat")).to_contain_text("800 days")
    this_month = month_partition_name(EVENTS, timezone.now())
    page.get_by_text("Events: ").click()
    expect(page.get_by_role("table", name="Events partitions")).to_contain_text(this_month)
    page.screenshot(path=artifact_path("retention.png"), full_page=True)


def test_a_marketer_is_refused(transactional_db, page, live_server_url, login):
    login(page, make_user(role=MARKETERS))
    response = page.goto(f"{live_server_url}/retention/")
    assert response.status == 403
