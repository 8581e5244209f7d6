"""Customer profiles in a real browser: find a customer by email, read their timeline and path,
take them out of a journey from the profile and from the canvas's "customers here" list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journeys import roles, services
from journeys.consent import consent_apply
from journeys.engine.loop import run_engine
from journeys.models import Customer, Enrollment
from tests.browser.helpers import open_editor, select
from tests.factories import make_customer, make_event, make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.browser


def holding_journey():
    """Start (API) -> hold a day -> done; ada and bob wait at `hold`."""
    graph = make_graph(
        [
            node("start", "api_trigger", label="Start"),
            node("hold", "wait", {"mode": "duration", "seconds": 86400}, label="Hold a day"),
            node("done", "exit", label="Done"),
        ],
        [("start", "next", "hold"), ("hold", "next", "done")],
    )
    for index, spot in enumerate(graph["nodes"]):
        spot["position"] = {"x": 0, "y": index * 220}
    journey = make_journey(graph=graph, name="Winback")
    source = make_source()
    ada = make_customer(external_id="ada", email="ada@example.com", attributes={"plan": "pro"})
    # Consent as an SDK gives it, through the one writer, so its source is on record.
    consent_apply(changes=[(ada.pk, "email", "subscribed")], source="sdk")
    make_customer(external_id="bob")
    start = timezone.now() - timedelta(hours=2)
    for minute, name in enumerate(["Page Viewed", "Product Added", "Page Viewed", "Checkout Started"]):
        make_event(customer=ada, source=source, name=name, timestamp=start + timedelta(minutes=minute))
    for customer in ("ada", "bob"):
        services.enrollment_create_from_api(journey=journey, external_id=customer)
    run_engine(seconds=10, idle_exit=True)
    return journey


def test_a_marketer_finds_a_customer_by_email_and_removes_them_from_a_journey(
    page, live_server_url, login, artifact_path
):
    journey = holding_journey()
    marketer = make_user(username="mia", role=roles.MARKETERS)
    login(page, marketer)

    page.get_by_role("link", name="Customers").click()
    page.get_by_label("External id, email, phone or anonymous id").fill("ADA@example.com")
    page.get_by_role("button", name="Find").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ada")
    email_consent = page.locator("#consent tbody tr", has_text="email")
    expect(email_consent.locator(".state")).to_have_text("subscribed")
    expect(email_consent).to_contain_text("sdk")
    expect(page.locator("#consent tbody tr", has_text="sms").locator(".state")).to_have_text("not asked")
    timeline = page.locator("#timeline")
    expect(timeline.locator("tbody tr")).to_have_count(4)
    expect(timeline.locator("tbody tr").first).to_contain_text("Checkout Started")  # newest first
    journeys = page.locator("#journeys")
    expect(journeys).to_contain_text("Winback")
    expect(journeys.get_by_role("list", name="Path through Winback")).to_contain_text("hold waiting")
    page.screenshot(path=artifact_path("customer-profile.png"), full_page=True)

    timeline.get_by_label("Event name").fill("Page Viewed")
    timeline.get_by_role("button", name="Filter").click()
    expect(page.locator("#timeline tbody tr")).to_have_count(2)

    page.once("dialog", lambda dialog: dialog.accept())
    journeys = page.locator("#journeys")
    journeys.get_by_label("Reason").fill("asked support to stop the emails")
    journeys.get_by_role("button", name="Remove from journey").click()

    expect(page.get_by_role("status")).to_contain_text("Removed from Winback")
    path = page.get_by_role("list", name="Path through Winback")
    expect(path).to_contain_text("removed by mia: asked support to stop the emails")
    expect(page.locator("#journeys").get_by_role("button", name="Remove from journey")).to_have_count(0)
    page.screenshot(path=artifact_path("customer-profile-removed.png"), full_page=True)
    ada = Enrollment.objects.get(journey=journey, customer__external_id="ada")
    assert (ada.status, ada.node_id) == ("exited", "hold")
    assert Enrollment.objects.get(journey=journey, customer__external_id="bob").status == "active"


def test_a_reviewer_reads_a_profile_without_the_remove_button(page, live_server_url, login):
    holding_journey()
    login(page, make_user(role=roles.REVIEWERS))

    page.goto(f"{live_server_url}/customers/{Customer.objects.get(external_id='ada').pk}/")

    expect(page.locator("#journeys")).to_contain_text("Winback")
    expect(page.get_by_role("button", name="Remove from journey")).to_have_count(0)


def test_a_marketer_removes_selected_customers_from_the_canvas(page, live_server_url, login, artifact_path):
    journey = holding_journey()
    login(page, make_user(username="max", role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    select(page, "hold")
    customers = page.locator(".customers__list")  # open already: someone is here

    customers.get_by_label("Select ada").check()
    customers.get_by_label("Why remove the 1 selected?").fill("duplicate account")
    page.once("dialog", lambda dialog: dialog.accept())
    customers.get_by_role("button", name="Remove selected").click()

    expect(customers).to_contain_text("Removed 1 customer from the journey.")
    expect(customers.get_by_label("Select ada")).to_have_count(0)
    expect(customers.get_by_label("Select bob")).to_have_count(1)
    page.screenshot(path=artifact_path("customers-here-removed.png"))
    ada = Enrollment.objects.get(journey=journey, customer__external_id="ada")
    assert ada.status == "exited"
    assert ada.steps.order_by("id").last().reason == "removed by max: duplicate account"
