"""The journey settings panel in a real browser: a marketer sets a goal, the server's errors show
beside their field, a settings-only change publishes; a Reviewer reads the settings without editing."""

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.models import Journey
from tests.browser.helpers import open_editor, overflow
from tests.factories import make_graph, make_journey, make_user, node

pytestmark = pytest.mark.browser

SETTINGS = {
    "goal": {
        "event": "Order Completed",
        "filters": [{"property": "total", "op": "gt", "value": 50}],
        "window_days": 14,
        "exit_on_conversion": True,
    },
    "exit_criteria": [{"event": "Unsubscribed", "filters": []}],
    "re_entry": {"mode": "any_time", "min_gap_seconds": 7200},
    "entry_cap": 1000,
}


def small_journey(**kwargs) -> Journey:
    graph = make_graph(
        [node("t", "event_trigger", {"event": "Signed Up"}, label="Signed up"), node("x", "exit", label="Done")],
        [("t", "next", "x")],
    )
    # Placed, so the canvas shows the stored graph as it is rather than arranging it.
    graph["nodes"][1]["position"] = {"x": 0, "y": 200}
    return make_journey(graph=graph, name="Settings journey", **kwargs)


def open_settings(page):
    page.locator(".toolbar").get_by_role("button", name="Settings", exact=True).click()
    panel = page.get_by_role("dialog", name="Journey settings")
    expect(panel).to_be_visible()
    return panel


def test_a_marketer_sets_a_goal_with_a_filter_sees_the_servers_error_inline_and_saves(
    page, live_server_url, login, artifact_path
):
    journey = small_journey(publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    # One button more, and the toolbar still fits one row at 1440 px.
    assert page.locator(".toolbar").bounding_box()["height"] < 60

    panel = open_settings(page)
    panel.get_by_label("Count customers who do an event as converted").check()
    panel.get_by_label("Goal event").fill("Order Completed")
    panel.get_by_role("button", name="+ Filter").click()
    panel.get_by_label("Property").fill("total")
    panel.get_by_label("Operator").select_option("gt")
    panel.get_by_label("Value").fill("50")
    panel.get_by_label("Conversion window (days after entry)").fill("400")
    panel.get_by_label("Exit on conversion", exact=False).check()
    panel.get_by_role("button", name="+ Exit criterion").click()
    panel.get_by_label("Exit event 1").fill("Unsubscribed")
    panel.get_by_label("Re-entry").select_option("any_time")
    panel.get_by_label("Minimum gap between entries").fill("2")
    panel.get_by_label("Unit").select_option("hours")
    panel.get_by_label("Entry cap", exact=False).fill("1000")
    panel.get_by_role("button", name="Save settings").click()

    # The server refuses the window; its message is shown under that field, and nothing is stored.
    error = panel.locator('[data-settings-field="goal.window_days"] [data-error-for="goal.window_days"]')
    expect(error).to_contain_text("365")
    expect(panel.get_by_label("Conversion window (days after entry)")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=artifact_path("journey-settings-inline-error.png"))
    journey.refresh_from_db()
    assert journey.settings == {}

    panel.get_by_label("Conversion window (days after entry)").fill("14")
    panel.get_by_role("button", name="Save settings").click()

    expect(panel.get_by_test_id("settings-state")).to_have_text("Saved")
    expect(panel.locator("[data-error-for]")).to_have_count(0)
    page.screenshot(path=artifact_path("journey-settings-saved.png"))
    journey.refresh_from_db()
    assert journey.settings == SETTINGS

    # Opened again, the panel shows what the server stored.
    panel.get_by_role("button", name="Close settings").click()
    panel = open_settings(page)
    expect(panel.get_by_label("Goal event")).to_have_value("Order Completed")
    expect(panel.get_by_label("Minimum gap between entries")).to_have_value("2")


def test_a_settings_change_on_a_live_journey_is_published_like_a_graph_change(page, live_server_url, login):
    journey = small_journey()
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    publish = page.locator(".toolbar").get_by_role("button", name="Publish", exact=True)
    expect(publish).to_be_disabled()  # the draft is the live version

    panel = open_settings(page)
    expect(panel).to_contain_text("apply to new customers when you publish")
    panel.get_by_label("Entry cap", exact=False).fill("25")
    panel.get_by_role("button", name="Save settings").click()
    expect(panel.get_by_test_id("settings-state")).to_have_text("Saved")

    expect(publish).to_be_enabled()
    publish.click()
    expect(page.get_by_test_id("status")).to_have_text("live")
    expect(page.get_by_label("Version")).to_contain_text("live: v2")
    journey.refresh_from_db()
    assert journey.current_version.settings["entry_cap"] == 25


def test_a_reviewer_sees_the_settings_read_only(page, live_server_url, login, artifact_path):
    journey = small_journey(settings=SETTINGS)
    login(page, make_user(role=roles.REVIEWERS))
    open_editor(page, live_server_url, journey)

    panel = open_settings(page)
    expect(panel.get_by_test_id("settings-read-only")).to_be_visible()
    expect(panel.get_by_label("Goal event")).to_have_value("Order Completed")
    expect(panel.get_by_label("Goal event")).to_be_disabled()
    expect(panel.get_by_label("Property")).to_have_value("total")
    expect(panel.get_by_label("Entry cap", exact=False)).to_be_disabled()
    expect(panel.get_by_role("button", name="Save settings")).to_have_count(0)
    expect(panel.get_by_role("button", name="+ Filter")).to_have_count(0)
    page.screenshot(path=artifact_path("journey-settings-reviewer.png"))


@pytest.mark.parametrize("width", [1280, 1366, 1400, 1440])
def test_the_toolbar_shows_every_control_and_the_whole_save_state_at_common_widths(width, page, live_server_url, login):
    # A live journey shows the most buttons (Pause, Close, Stop besides the draft's own).
    journey = small_journey(publish=True)
    login(page, make_user(role=roles.MARKETERS))
    page.set_viewport_size({"width": width, "height": 900})
    open_editor(page, live_server_url, journey)
    toolbar = page.locator(".toolbar")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    # Nothing runs past the toolbar's edge (a narrow window wraps it instead)...
    assert toolbar.evaluate("e => e.scrollWidth <= e.clientWidth")
    controls = toolbar.locator("button:visible, select:visible, input:visible, a:visible").all()
    assert len(controls) >= 15
    for control in controls:
        box = control.bounding_box()
        assert box["x"] + box["width"] <= width, control.inner_text()
    # ...and the save state is never cut to "Sav…".
    assert page.get_by_test_id("save-state").evaluate("e => e.scrollWidth <= e.clientWidth")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_settings_panel_fits_its_box_and_wraps_its_text(width, page, live_server_url, login, artifact_path):
    # The panel is drawn inside the toolbar, whose one-row nowrap it inherited: its content was
    # twice as wide as the panel, cutting off labels, the intro and the inputs on the right.
    journey = small_journey(settings=SETTINGS)
    login(page, make_user(role=roles.MARKETERS))
    page.set_viewport_size({"width": width, "height": 900})
    open_editor(page, live_server_url, journey)

    panel = open_settings(page)
    expect(panel.get_by_label("Goal event")).to_have_value("Order Completed")
    assert overflow(panel) == []
    label = panel.get_by_text("Exit on conversion", exact=False)
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert label.bounding_box()["height"] > 25  # the long label wraps onto a second line
    page.screenshot(path=artifact_path(f"journey-settings-fits-{width}.png"))
