"""A marketer sends a test profile through a journey from the canvas, in a real browser."""

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.models import Delivery, Enrollment, Step
from tests.browser.helpers import open_editor, overflow
from tests.factories import make_graph, make_journey, make_user, node

pytestmark = pytest.mark.browser


def basket_journey():
    graph = make_graph(
        [
            node("start", "event_trigger", {"event": "Checkout Started"}, label="Checkout started"),
            node("wait", "wait_for_event", {"event": "Order Completed", "timeout_seconds": 86400}, label="Order?"),
            node("thanks", "send_email", {"subject": "Thanks {{ customer.first_name }}", "body": "<p>On its way</p>"}),
            node(
                "mark",
                "update_attribute",
                {"changes": [{"attribute": "baskets", "operation": "increment", "value": 1}]},
                label="Count the basket",
            ),
        ],
        [("start", "next", "wait"), ("wait", "matched", "thanks"), ("wait", "timeout", "mark")],
    )
    return make_journey(graph=graph, name="Basket", publish=False)


def test_a_marketer_runs_a_test_profile_and_sees_its_path_on_the_canvas(page, live_server_url, login, artifact_path):
    journey = basket_journey()
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    page.get_by_role("button", name="Test run").click()
    panel = page.get_by_test_id("test-run-panel")
    panel.get_by_label("Profile email").fill("tess@example.com")
    panel.get_by_label("Traits").fill('{"first_name": "Tess", "baskets": 2}')
    panel.get_by_role("button", name="Add event").click()
    panel.get_by_label("Event 1 name").fill("Order Completed")
    panel.get_by_label("Event 1 after").fill("2")
    panel.get_by_label("Event 1 unit").select_option("hours")
    panel.get_by_role("button", name="Run test").click()

    expect(panel.get_by_test_id("test-run-status")).to_contain_text("Left the journey")
    steps = panel.get_by_test_id("test-run-step")
    expect(steps).to_have_count(5)
    expect(steps.nth(2)).to_contain_text("+2 h")
    expect(steps.nth(2)).to_contain_text("Order Completed happened after 2 hours")
    message = panel.get_by_test_id("test-run-message")
    expect(message).to_contain_text("Thanks Tess")
    expect(message).to_contain_text("would be sent")
    # The path is drawn on the canvas: visited steps are outlined, the others are not.
    thanks = page.locator('.react-flow__node[data-id="thanks"] .journey-node')
    expect(thanks).not_to_have_css("box-shadow", "none")
    expect(page.locator('.react-flow__node[data-id="mark"] .journey-node')).to_have_css("box-shadow", "none")
    page.screenshot(path=str(artifact_path("test-run-path.png")))

    # Step by step: the first step marks only the trigger.
    panel.get_by_role("button", name="Step ▶").click()
    expect(steps.nth(0)).to_have_class("test-run__step is-current")
    expect(thanks).to_have_css("box-shadow", "none")

    # Without the order, a short horizon leaves the profile waiting; jumping forward times it out.
    panel.get_by_role("button", name="Remove event 1").click()
    panel.get_by_label("Days to simulate").fill("0.5")
    panel.get_by_role("button", name="Run test").click()
    expect(panel.get_by_test_id("test-run-status")).to_contain_text("Still inside")
    panel.get_by_role("button", name="+1 day").click()
    expect(panel.get_by_test_id("test-run-status")).to_contain_text("Left the journey")
    expect(panel.get_by_test_id("test-run-change")).to_have_text("baskets: 2 → 3")
    page.screenshot(path=str(artifact_path("test-run-timeout.png")))

    assert Enrollment.objects.count() == Step.objects.count() == Delivery.objects.count() == 0


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_test_run_panel_opens_below_the_toolbar(width, page, live_server_url, login, artifact_path):
    # It used to start at the top of the window, over the site nav and half the toolbar
    # (Publish cut in half; Export, Import, Review and "?" hidden).
    journey = basket_journey()
    login(page, make_user(role=roles.MARKETERS))
    page.set_viewport_size({"width": width, "height": 800})
    open_editor(page, live_server_url, journey)

    toolbar = page.locator(".toolbar")
    page.get_by_role("button", name="Test run").click()
    panel = page.get_by_test_id("test-run-panel")
    expect(panel).to_be_visible()
    assert panel.bounding_box()["y"] >= toolbar.bounding_box()["y"] + toolbar.bounding_box()["height"] - 1
    # Every toolbar control stays on top and clickable: nothing covers its centre.
    for name in ("Publish", "Export", "Import", "Review"):
        button = toolbar.get_by_role("button", name=name, exact=True)
        box = button.bounding_box()
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('.toolbar') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit, f"{name} is covered"
    # Its own text wraps inside it.
    assert overflow(panel) == []
    page.screenshot(path=str(artifact_path(f"test-run-below-toolbar-{width}.png")))
    page.get_by_role("button", name="Close the test run").click()
    expect(panel).to_have_count(0)
