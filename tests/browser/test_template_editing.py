"""Message templates written from the canvas inspector, in a real browser."""

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.models import MessageTemplate
from tests.browser.helpers import field, open_editor, overflow, select
from tests.factories import make_graph, make_journey, make_user, node

pytestmark = pytest.mark.browser


def email_journey(**config):
    graph = make_graph(
        [node("start", "api_trigger", label="Start"), node("mail", "send_email", config, label="Welcome mail")],
        [("start", "next", "mail")],
    )
    return make_journey(graph=graph, name="Welcome", publish=False)


def test_a_marketer_creates_and_edits_a_template_from_the_inspector(page, live_server_url, login, artifact_path):
    journey = email_journey()
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    select(page, "mail")

    picker = field(page, "template")
    picker.get_by_role("button", name="New template").click()
    dialog = page.get_by_role("dialog", name="Template")
    expect(dialog.get_by_role("heading")).to_have_text("New email template")
    dialog.get_by_label("Name").fill("Spring welcome")
    dialog.get_by_label("Subject").fill("Hello")
    dialog.get_by_label("HTML").fill("<p>Hi {{ customer.first_name }}, order {{ context.order_id }}</p>")
    dialog.get_by_role("button", name="Create template").click()
    expect(dialog.get_by_text("Saved.")).to_be_visible()

    template = MessageTemplate.objects.get(name="Spring welcome")
    assert template.channel == "email"
    expect(picker.locator("select")).to_have_value(str(template.pk))

    dialog.get_by_label("Subject").fill("Welcome, {{ customer.first_name }}")
    dialog.get_by_role("button", name="Save template").click()
    expect(dialog.get_by_text("Saved.")).to_be_visible()

    answer = page.request.get(f"{live_server_url}/api/templates/{template.pk}/")
    assert answer.ok
    assert answer.json()["subject"] == "Welcome, {{ customer.first_name }}"

    dialog.get_by_role("button", name="Preview").click()
    frame = dialog.locator("iframe[title='Template preview']")
    expect(frame).to_have_attribute("sandbox", "")
    expect(dialog.locator(".template-preview__subject")).to_contain_text("Welcome,")
    # The sample customer entered no API payload: the preview says the order id renders empty.
    expect(dialog.get_by_test_id("template-warnings")).to_contain_text("context.order_id is not in this preview")
    page.screenshot(path=str(artifact_path("template-editor.png")))

    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_have_count(0)
    # The node now refers to the template, and the autosaved draft says so.
    expect(page.locator('[data-testid="save-state"]')).to_have_text("Saved")
    journey.refresh_from_db()
    mail = next(n for n in journey.graph["nodes"] if n["id"] == "mail")
    assert mail["data"]["config"]["template"] == template.pk


def test_a_reviewer_reads_a_template_but_cannot_change_it(page, live_server_url, login):
    template = MessageTemplate.objects.create(name="Receipt", channel="email", subject="Your receipt", text="Thanks")
    journey = email_journey(template=template.pk)
    login(page, make_user(role=roles.REVIEWERS))
    open_editor(page, live_server_url, journey)
    select(page, "mail")

    picker = field(page, "template")
    expect(picker.get_by_role("button", name="New template")).to_have_count(0)
    picker.get_by_role("button", name="View template").click()
    dialog = page.get_by_role("dialog", name="Template")
    expect(dialog.get_by_label("Subject")).to_have_value("Your receipt")
    expect(dialog.get_by_label("Subject")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Save template")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Send test")).to_have_count(0)
    dialog.get_by_role("button", name="Preview").click()
    expect(dialog.locator(".template-preview pre")).to_contain_text("Thanks")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_email_inspector_fits_the_sidebar_with_a_long_template_name(
    width, page, live_server_url, login, artifact_path
):
    # A select is as wide as its longest option, and the inspector's fieldset as wide as its
    # widest content: one long template name pushed help texts and fields past the window edge.
    MessageTemplate.objects.create(name="Spring welcome " + "with a very long name " * 4, channel="email", subject="Hi")
    journey = email_journey()
    login(page, make_user(role=roles.MARKETERS))
    page.set_viewport_size({"width": width, "height": 900})
    open_editor(page, live_server_url, journey)
    select(page, "mail")
    expect(field(page, "template").locator("option")).to_have_count(2)

    assert overflow(page.locator(".sidebar")) == []
    assert overflow(page.locator(".inspector")) == []
    page.screenshot(path=artifact_path(f"email-inspector-fits-{width}.png"))


def test_the_template_editors_buttons_are_in_view_in_a_short_window(page, live_server_url, login):
    journey = email_journey()
    login(page, make_user(role=roles.MARKETERS))
    page.set_viewport_size({"width": 1280, "height": 800})
    open_editor(page, live_server_url, journey)
    select(page, "mail")

    field(page, "template").get_by_role("button", name="New template").click()
    dialog = page.get_by_role("dialog", name="Template")
    expect(dialog.get_by_role("heading")).to_have_text("New email template")

    box = dialog.bounding_box()
    for name in ("Create template", "Close"):
        button = dialog.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["y"] <= button["y"] and button["y"] + button["height"] <= box["y"] + box["height"], name
