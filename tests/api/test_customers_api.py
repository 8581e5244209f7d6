"""Customer profiles over the API: search, the whole profile, the paged timeline, removal, estimates."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from journeys import profiles
from journeys.models import Customer, CustomerMerge, Enrollment
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.engine.helpers import enrollment_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import logged_in, make_customer, make_event, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


@pytest.fixture
def reviewer():
    return logged_in(REVIEWERS)


@pytest.fixture
def marketer():
    return logged_in(MARKETERS)


@pytest.fixture
def waiting(source):
    """ada and bob waiting in the basket journey, with events and a step log."""
    journey = basket_journey()
    send(
        source,
        {"type": "identify", "userId": "ada", "traits": {"email": "Ada@Example.com", "plan": "pro"}},
        {"userId": "ada", "event": "Product Added"},
        {"userId": "bob", "event": "Product Added"},
    )
    run()
    return journey


def test_search_finds_a_customer_by_each_identity(reviewer):
    customer = make_customer(external_id="u-1", email="Zoe@Example.com", phone="+441234", anonymous_ids=["anon-9"])
    make_customer(external_id="u-2")

    for query in ("u-1", "zoe@example.com", "ZOE@EXAMPLE.COM", "+441234", "anon-9", str(customer.pk)):
        answer = reviewer.get("/api/customers/", {"q": query})
        assert answer.status_code == 200
        assert [row["id"] for row in answer.json()] == [customer.pk], query
    assert reviewer.get("/api/customers/", {"q": "zoe"}).json() == []  # exact matches only
    assert reviewer.get("/api/customers/", {"q": ""}).json() == []


def test_search_rejects_an_overlong_query_and_nul(reviewer):
    assert reviewer.get("/api/customers/", {"q": "x" * 300}).status_code == 400
    assert reviewer.get("/api/customers/", {"q": "a\x00b"}).status_code == 400


def test_everyone_must_be_logged_in_with_a_role(waiting):
    customer = Customer.objects.get(external_id="ada")
    without_role, logged_out = logged_in(None), Client()
    for url in ("/api/customers/?q=ada", f"/api/customers/{customer.pk}/", f"/api/customers/{customer.pk}/events/"):
        assert without_role.get(url).status_code == 403
        assert logged_out.get(url).status_code in (401, 403)
    assert (
        logged_in(None).post("/api/audience-estimate/", {"condition": {"all": []}}, "application/json").status_code
        == 403
    )


def test_the_profile_holds_traits_consent_identities_journeys_and_messages(waiting, reviewer):
    ada = Customer.objects.get(external_id="ada")
    ada.consent = {"email": True, "sms": False}
    ada.save()
    run(now=timezone.now() + timedelta(days=2))  # the wait times out: email then SMS are queued

    answer = reviewer.get(f"/api/customers/{ada.pk}/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["customer"]["traits"]["plan"] == "pro"
    assert body["customer"]["email"] == "Ada@Example.com"
    states = {row["channel"]: row["state"] for row in body["consent"]}
    assert states == {"email": "subscribed", "sms": "unsubscribed", "push": "not_asked", "in_app": "not_asked"}
    assert {"kind": "external_id", "value": "ada"} in body["identities"]
    [journey] = body["journeys"]
    assert journey["journey_id"] == waiting.pk
    assert [step["node_id"] for step in journey["steps"]][:2] == ["trigger", "wait"]
    assert {d["channel"] for d in body["deliveries"]} == {"email", "sms"}
    assert all(d["status"] for d in body["deliveries"])
    assert [e["name"] for e in body["events"]["events"]] == ["Product Added", ""]


def test_the_profile_lists_profiles_merged_into_it(source, reviewer):
    send(source, {"anonymousId": "visitor-1", "event": "Viewed"})
    send(source, {"type": "identify", "userId": "cy", "anonymousId": "visitor-1"})
    send(source, {"anonymousId": "visitor-2", "event": "Viewed"})
    send(source, {"type": "alias", "userId": "cy", "previousId": "visitor-2"})
    cy = Customer.objects.get(external_id="cy")

    body = reviewer.get(f"/api/customers/{cy.pk}/").json()

    assert CustomerMerge.objects.filter(kept=cy).exists()
    assert [m["anonymous_ids"] for m in body["merges"]] == [["visitor-2"]]
    assert {i["value"] for i in body["identities"] if i["kind"] == "anonymous_id"} == {"visitor-1", "visitor-2"}


def test_the_timeline_pages_and_filters_by_name(source, reviewer):
    customer = make_customer(external_id="busy")
    start = timezone.now() - timedelta(days=1)
    for index in range(profiles.EVENTS_PER_PAGE + 5):
        name = "Clicked" if index % 5 == 0 else "Viewed"
        make_event(customer=customer, source=source, name=name, timestamp=start + timedelta(minutes=index))
    url = f"/api/customers/{customer.pk}/events/"

    first = reviewer.get(url).json()
    second = reviewer.get(url, {"page": 2}).json()
    clicked = reviewer.get(url, {"name": "Clicked"}).json()

    assert len(first["events"]) == profiles.EVENTS_PER_PAGE and first["has_next"]
    assert len(second["events"]) == 5 and not second["has_next"]
    assert first["events"][0]["timestamp"] > first["events"][-1]["timestamp"]  # newest first
    assert {e["name"] for e in clicked["events"]} == {"Clicked"} and len(clicked["events"]) == 11
    assert reviewer.get(url, {"page": "x"}).status_code == 400
    assert reviewer.get(url, {"page": 0}).status_code == 400
    assert reviewer.get(url, {"page": profiles.EVENTS_MAX_PAGE + 1}).status_code == 400
    assert reviewer.get("/api/customers/999999/events/").status_code == 404


def test_a_marketer_removes_customers_with_the_reason_in_their_path(waiting, marketer):
    ada = enrollment_of(waiting, "ada")

    answer = marketer.post(
        f"/api/journeys/{waiting.pk}/remove-customers/",
        {"customer_ids": [ada.customer_id], "reason": "asked to stop"},
        "application/json",
    )

    assert answer.status_code == 200 and answer.json() == {"removed": 1}
    ada.refresh_from_db()
    assert ada.status == "exited"
    step = ada.steps.order_by("id").last()
    assert step.action == "exited"
    assert step.reason.startswith("removed by ") and step.reason.endswith(": asked to stop")
    assert enrollment_of(waiting, "bob").status == "active"


def test_removal_by_enrollment_id_takes_only_that_journeys_enrollment(waiting):
    bob = enrollment_of(waiting, "bob")
    admin = logged_in(ADMINS)
    other = basket_journey()

    wrong_journey = admin.post(
        f"/api/journeys/{other.pk}/remove-customers/", {"enrollment_ids": [bob.pk], "reason": "x"}, "application/json"
    )
    right = admin.post(
        f"/api/journeys/{waiting.pk}/remove-customers/", {"enrollment_ids": [bob.pk], "reason": "x"}, "application/json"
    )

    assert wrong_journey.json() == {"removed": 0}
    assert right.json() == {"removed": 1}


def test_reviewers_cannot_remove_and_bad_requests_get_400(waiting, reviewer, marketer):
    ada = enrollment_of(waiting, "ada")
    url = f"/api/journeys/{waiting.pk}/remove-customers/"

    assert reviewer.post(url, {"customer_ids": [ada.customer_id], "reason": "x"}, "application/json").status_code == 403
    assert marketer.post(url, {"customer_ids": [ada.customer_id]}, "application/json").status_code == 400
    assert (
        marketer.post(url, {"customer_ids": [ada.customer_id], "reason": "  "}, "application/json").status_code == 400
    )
    assert marketer.post(url, {"reason": "x"}, "application/json").status_code == 400
    too_many = list(range(1, profiles.REMOVE_MAX + 2))
    assert marketer.post(url, {"customer_ids": too_many, "reason": "x"}, "application/json").status_code == 400
    assert marketer.post(url, {"customer_ids": ["a"], "reason": "x"}, "application/json").status_code == 400
    assert (
        marketer.post(
            "/api/journeys/999999/remove-customers/", {"customer_ids": [1], "reason": "x"}, "application/json"
        ).status_code
        == 404
    )
    assert Enrollment.objects.filter(status="active").count() == 2


def test_the_audience_estimate_counts_exactly_on_a_small_table(reviewer):
    for index in range(30):
        make_customer(external_id=f"c{index}", attributes={"plan": "pro" if index < 12 else "free"})
    condition = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}

    answer = reviewer.post("/api/audience-estimate/", {"condition": condition}, "application/json")

    assert answer.status_code == 200
    assert answer.json() == {"count": 12, "exact": True, "sampled": 0}


def test_the_audience_estimate_rejects_a_bad_condition(marketer):
    answer = marketer.post(
        "/api/audience-estimate/", {"condition": {"type": "attribute", "op": "nope"}}, "application/json"
    )
    assert answer.status_code == 400
    assert marketer.post("/api/audience-estimate/", {}, "application/json").status_code == 400
