"""Audience estimates in the inspector: the count under an audience trigger's condition and a
condition node's branch, updated a moment after the marketer edits it."""

import pytest
from playwright.sync_api import expect

from journeys import roles
from tests.browser.helpers import field, open_editor, select
from tests.factories import make_customer, make_graph, make_journey, make_user, node

pytestmark = pytest.mark.browser

PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}


def test_the_inspector_shows_how_many_customers_match(page, live_server_url, login, artifact_path):
    for index in range(30):
        make_customer(external_id=f"c{index}", attributes={"plan": "pro" if index < 12 else "free"})
    graph = make_graph(
        [
            node("audience", "audience_trigger", {"condition": PRO, "mode": "at_publish"}, label="Pro customers"),
            node(
                "check",
                "condition",
                {"branches": [{"key": "free", "label": "Free", "condition": {**PRO, "value": "free"}}]},
                label="Plan?",
            ),
            node("done", "exit", label="Done"),
        ],
        [("audience", "next", "check"), ("check", "free", "done"), ("check", "else", "done")],
    )
    for index, spot in enumerate(graph["nodes"]):
        spot["position"] = {"x": 0, "y": index * 220}
    journey = make_journey(graph=graph, name="Estimates", publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    select(page, "audience")
    estimate = page.locator('.inspector [data-testid="audience-estimate"]')
    expect(estimate).to_have_text("12 customers match now")
    page.screenshot(path=artifact_path("audience-estimate.png"))

    field(page, "condition").get_by_label("Value").fill("free")
    expect(estimate).to_have_text("18 customers match now")

    select(page, "check")
    expect(page.locator('.inspector [data-testid="audience-estimate"]')).to_have_text("18 customers match now")
