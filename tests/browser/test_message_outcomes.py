"""A marketer watches what became of a send node's messages: queued, then sent or skipped by reason, live."""

import urllib.request

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.delivery import deliveries_send
from journeys.models import Delivery
from tests.browser.helpers import open_editor
from tests.browser.test_editor import WRITE_KEY, track
from tests.factories import make_customer, make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.browser


def outcome(page, node_id: str, name: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"] [data-testid="outcome-{name}"]')


def test_a_marketer_sees_sent_and_skipped_counts_on_a_message_node_move_live(
    page, live_server_url, engine_worker, login, artifact_path, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DELIVERY_QUIET_HOURS = ""
    make_source(write_key=WRITE_KEY)
    make_customer(external_id="ada", email="ada@example.com", consent={"email": "subscribed"})
    make_customer(external_id="bob", email="bob@example.com")  # never asked: email is opt-in
    make_customer(external_id="cyd", consent={"email": "subscribed"})  # no address
    graph = make_graph(
        [
            node("trigger", "event_trigger", {"event": "Signed Up"}, label="Signed up"),
            node("email", "send_email", {"subject": "Welcome", "body": "<p>Hello</p>"}, label="Welcome email"),
        ],
        [("trigger", "next", "email")],
    )
    journey = make_journey(graph=graph)
    # The server's first request imports the whole project: on a busy machine that alone can
    # take most of the page's default 10 s, so it is made here, outside the browser's clock.
    urllib.request.urlopen(f"{live_server_url}/login/", timeout=120).close()
    page.set_default_timeout(30_000)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    # Only message nodes carry outcomes, and they start at zero.
    expect(page.locator('[data-testid="message-outcomes"]')).to_have_count(1)
    expect(outcome(page, "email", "sent")).to_have_text("0")
    expect(page.locator('[data-testid="connection"]')).to_have_text("Live counts")

    for user_id in ("ada", "bob", "cyd"):
        track(live_server_url, user_id, "Signed Up")
    expect(outcome(page, "email", "queued")).to_have_text("3", timeout=15_000)
    expect(outcome(page, "email", "skipped")).to_have_text("0")

    # The delivery worker decides each message; the canvas hears of it without a reload.
    assert Delivery.objects.count() == 3
    while deliveries_send():
        pass
    expect(outcome(page, "email", "sent")).to_have_text("1", timeout=15_000)
    expect(outcome(page, "email", "skipped")).to_have_text("2")
    node_box = page.locator('.react-flow__node[data-id="email"]')
    # The card names the largest reason (a tie goes by name) and "+1 more" for the other, named in its tooltip.
    expect(node_box.locator('[data-testid="skipped-no_address"]')).to_have_text("1 no address")
    expect(node_box.locator('[data-testid="skipped-more"]')).to_have_text("+1 more")
    expect(node_box.locator('[data-testid="skipped-more"]')).to_have_attribute("title", "1 more reason: no consent 1")

    page.keyboard.press("Shift+F")
    page.wait_for_timeout(400)
    node_box.screenshot(path=artifact_path("message-outcomes-node.png"))
    page.screenshot(path=artifact_path("message-outcomes.png"))
    assert artifact_path("message-outcomes.png").stat().st_size > 0
