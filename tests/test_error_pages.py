"""404 and 403 pages with the site's navigation and a way back (walk #22), and the favicon.

Django renders templates/404.html and 403.html only with DEBUG off, as in production."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from journeys.roles import MARKETERS
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def test_an_anonymous_visitor_gets_a_404_page_with_the_site_header_and_a_way_in():
    response = Client().get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and "/no-such-page/" in page
    assert 'class="brand" href="/"' in page and 'href="/login/"' in page


@pytest.mark.parametrize("role", [MARKETERS, None])
def test_a_signed_in_user_gets_the_navigation_on_a_404(role):
    response = logged_in(role).get("/reports/journeys/999999/" if role else "/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404 and "Page not found" in page
    assert "Log out" in page and 'href="/"' in page
    if role:
        assert 'href="/journeys/"' in page  # the top nav of someone with a role


def test_api_addresses_still_answer_json_404s():
    response = logged_in(MARKETERS).get("/api/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_403_says_why_with_the_navigation_and_a_way_back():
    response = logged_in(MARKETERS).get("/audit/")

    page = response.content.decode()
    assert response.status_code == 403
    assert "The audit log is for Admins." in page
    assert 'href="/journeys/"' in page and "Log out" in page


def test_a_user_without_a_role_is_told_to_ask_an_admin_for_one():
    client = logged_in(None)

    refused = client.get("/reports/")
    assert refused.status_code == 403
    assert "ask an admin to add you to Marketers, Reviewers or Admins" in refused.content.decode()
    # The journeys list keeps its own page for them.
    home = client.get("/journeys/")
    assert home.status_code == 403 and "Your account has no role yet" in home.content.decode()


def test_the_django_admin_403_has_the_site_page_too():
    client = Client()
    client.force_login(make_user(username="staff-admin", is_staff=True, is_superuser=True))

    response = client.get("/admin/journeys/auditentry/add/")  # the audit log cannot be added to

    assert response.status_code == 403 and "You can't open this page" in response.content.decode()


def test_the_favicon_is_linked_from_every_page_and_served_at_favicon_ico():
    assert (finders.find("favicon.svg") or "").endswith("favicon.svg")
    with open(finders.find("favicon.svg")) as icon:
        assert icon.read().startswith("<svg")

    page = Client().get("/login/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page

    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
