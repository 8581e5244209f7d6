"""The customer search and profile pages, and removal from a journey from the profile."""

import pytest
from django.test import Client

from journeys.models import Customer
from journeys.roles import MARKETERS, REVIEWERS
from tests.engine.helpers import enrollment_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import logged_in, make_customer, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    journey = basket_journey()
    send(
        make_source(),
        {"type": "identify", "userId": "ada", "traits": {"email": "ada@example.com", "plan": "<b>pro</b>"}},
        {"userId": "ada", "event": "Product Added"},
    )
    run()
    return journey


def test_the_pages_need_a_login_and_a_role(waiting):
    ada = Customer.objects.get(external_id="ada")
    for url in ("/customers/", f"/customers/{ada.pk}/"):
        assert Client().get(url).status_code == 302  # to the login page
        assert logged_in(None).get(url).status_code == 403


def test_searching_by_email_opens_the_only_match(waiting):
    ada = Customer.objects.get(external_id="ada")

    answer = logged_in(REVIEWERS).get("/customers/", {"q": "ADA@example.com"})

    assert answer.status_code == 302 and answer.url == f"/customers/{ada.pk}/"


def test_a_search_with_several_matches_lists_them():
    first, second = make_customer(external_id="one", phone="+1555"), make_customer(external_id="two", phone="+1555")

    page = logged_in(REVIEWERS).get("/customers/", {"q": "+1555"}).content.decode()

    assert f"/customers/{first.pk}/" in page and f"/customers/{second.pk}/" in page
    assert "No customer" in logged_in(REVIEWERS).get("/customers/", {"q": "nobody"}).content.decode()


def test_the_profile_shows_escaped_traits_consent_path_and_timeline(waiting):
    ada = Customer.objects.get(external_id="ada")

    page = logged_in(REVIEWERS).get(f"/customers/{ada.pk}/").content.decode()

    assert "&lt;b&gt;pro&lt;/b&gt;" in page and "<b>pro</b>" not in page
    assert "not asked" in page
    assert "waiting" in page and waiting.name in page
    assert "Product Added" in page
    assert "Remove from journey" not in page  # Reviewers read


def test_a_marketer_removes_the_customer_from_the_journey_with_a_reason(waiting):
    ada = Customer.objects.get(external_id="ada")
    marketer = logged_in(MARKETERS)
    assert "Remove from journey" in marketer.get(f"/customers/{ada.pk}/").content.decode()

    answer = marketer.post(f"/customers/{ada.pk}/remove/", {"journey": waiting.pk, "reason": "asked us"}, follow=True)

    enrollment = enrollment_of(waiting, "ada")
    assert enrollment.status == "exited"
    assert enrollment.steps.order_by("id").last().reason.endswith(": asked us")
    assert "Removed from" in answer.content.decode()


def test_a_reviewer_cannot_remove_and_a_reason_is_required(waiting):
    ada = Customer.objects.get(external_id="ada")

    assert (
        logged_in(REVIEWERS).post(f"/customers/{ada.pk}/remove/", {"journey": waiting.pk, "reason": "x"}).status_code
        == 403
    )
    answer = logged_in(MARKETERS).post(
        f"/customers/{ada.pk}/remove/", {"journey": waiting.pk, "reason": " "}, follow=True
    )
    assert "Not removed" in answer.content.decode()
    assert logged_in(MARKETERS).post(f"/customers/{ada.pk}/remove/", {"journey": "x", "reason": "y"}).status_code == 404
    assert enrollment_of(waiting, "ada").status == "active"


def test_a_reason_holding_a_nul_is_refused_and_the_customer_stays(waiting):
    ada = Customer.objects.get(external_id="ada")

    answer = logged_in(MARKETERS).post(
        f"/customers/{ada.pk}/remove/", {"journey": waiting.pk, "reason": "asked\x00us"}, follow=True
    )

    assert answer.status_code == 200 and "cannot be stored" in answer.content.decode()
    assert enrollment_of(waiting, "ada").status == "active"


def test_the_timeline_filter_and_bad_pages_do_not_break_the_page(waiting):
    ada = Customer.objects.get(external_id="ada")
    reviewer = logged_in(REVIEWERS)

    filtered = reviewer.get(f"/customers/{ada.pk}/", {"name": "Nothing Like This"}).content.decode()
    bad_page = reviewer.get(f"/customers/{ada.pk}/", {"page": "-3"})

    assert "No events called" in filtered
    assert bad_page.status_code == 200 and "Timeline: page must be" in bad_page.content.decode()


def test_the_profile_dates_the_customer_by_their_first_event_when_history_predates_the_profile():
    send(make_source(), {"userId": "old-friend", "event": "Order Completed", "timestamp": "2024-03-05T10:00:00Z"})
    customer = Customer.objects.get(external_id="old-friend")

    page = logged_in(REVIEWERS).get(f"/customers/{customer.pk}/").content.decode()

    assert "first seen 2024-03-05 10:00 UTC" in page


def test_the_search_page_lists_the_customers_behind_the_newest_events():
    source = make_source()
    send(
        source,
        {"type": "identify", "userId": "old", "traits": {"email": "old@example.com"}},
        {"userId": "grace", "event": "Product Viewed"},
        {"userId": "ada", "event": "Product Added"},
        {"userId": "grace", "event": "Order <Completed>"},
    )
    old, ada, grace = (Customer.objects.get(external_id=name) for name in ("old", "ada", "grace"))

    page = logged_in(REVIEWERS).get("/customers/").content.decode()
    listed = page.split("Recently active")[1]

    # Newest first, once each, with the event that was last; names escaped.
    assert listed.index(f"/customers/{grace.pk}/") < listed.index(f"/customers/{ada.pk}/")
    assert listed.index(f"/customers/{ada.pk}/") < listed.index(f"/customers/{old.pk}/")
    assert listed.count(f"/customers/{grace.pk}/") == 1
    assert "Order &lt;Completed&gt;" in listed and "Product Viewed" not in listed and "(identify)" in listed
    assert "Recently active" not in logged_in(REVIEWERS).get("/customers/", {"q": "nobody"}).content.decode()


def test_recently_active_reads_a_bounded_number_of_events(django_assert_max_num_queries):
    from journeys import profiles

    source = make_source()
    send(source, *({"userId": f"c{number}", "event": "Product Viewed"} for number in range(30)))

    with django_assert_max_num_queries(2):
        recent = profiles.customers_recently_active(limit=5)

    assert [row.customer.external_id for row in recent] == ["c29", "c28", "c27", "c26", "c25"]
