"""'New journey' from an example in a real browser: it opens on the canvas with its steps and settings."""

import re

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.demo import ABANDONED_BASKET
from journeys.models import Journey
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_a_marketer_creates_a_journey_from_an_example_and_it_opens_with_its_settings(
    page, live_server_url, login, artifact_path
):
    login(page, make_user(role=roles.MARKETERS))
    page.goto(f"{live_server_url}/journeys/")
    page.get_by_text("What the examples do").click()
    expect(page.locator("details.examples")).to_contain_text(ABANDONED_BASKET.description)
    page.get_by_label("Start from").select_option(label=f"Example: {ABANDONED_BASKET.name}")
    page.screenshot(path=artifact_path("new-journey-from-example.png"))
    page.get_by_role("button", name="Create").click()

    page.wait_for_url(re.compile(r"/journeys/\d+/$"))
    journey = Journey.objects.get()
    assert page.url == f"{live_server_url}/journeys/{journey.pk}/"
    expect(page.locator(".editor-shell")).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("Journey name")).to_have_value(ABANDONED_BASKET.name)
    expect(page.locator(".react-flow__node")).to_have_count(len(ABANDONED_BASKET.graph["nodes"]))
    expect(page.get_by_test_id("status")).to_have_text("draft")

    page.locator(".toolbar").get_by_role("button", name="Settings", exact=True).click()
    panel = page.get_by_role("dialog", name="Journey settings")
    expect(panel.get_by_label("Goal event")).to_have_value("Order Completed")
    expect(panel.get_by_label("Conversion window (days after entry)")).to_have_value("2")
    # The goal counts the order without exiting, so the waits' "bought" branches can fill.
    expect(panel.get_by_label("Exit on conversion", exact=False)).not_to_be_checked()
    expect(panel.get_by_label("Re-entry")).to_have_value("after_exit")
    page.screenshot(path=artifact_path("new-journey-from-example-settings.png"))

    # It can be published as it is.
    page.locator(".toolbar").get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("dialog", name="Publish").get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_have_text("live")
