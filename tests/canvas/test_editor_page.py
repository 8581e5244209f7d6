"""The editor page: who may open it, and what it tells the frontend."""

import re

import pytest
from django.test import Client

from journeys import roles
from tests.factories import logged_in, make_graph, make_journey, node

pytestmark = pytest.mark.django_db


def a_journey(name: str = "Welcome"):
    graph = make_graph([node("start", "api_trigger"), node("done", "exit")], [("start", "next", "done")])
    return make_journey(graph=graph, name=name, publish=False)


def root_attributes(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="root"([^>]*)>', html)
    assert tag, "the page has no #root"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag.group(1)))


def test_a_logged_out_visitor_is_sent_to_the_login_page():
    journey = a_journey()

    response = Client().get(f"/journeys/{journey.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", [roles.MARKETERS, roles.ADMINS])
def test_marketers_and_admins_get_an_editable_canvas(role):
    journey = a_journey()

    response = logged_in(role).get(f"/journeys/{journey.pk}/")

    assert response.status_code == 200
    assert root_attributes(response.content.decode()) == {
        "journey-id": str(journey.pk),
        "api-base": "/api/",
        "can-edit": "true",
    }


def test_a_reviewer_gets_the_canvas_read_only():
    journey = a_journey()

    response = logged_in(roles.REVIEWERS).get(f"/journeys/{journey.pk}/")

    assert response.status_code == 200
    assert root_attributes(response.content.decode())["can-edit"] == "false"


def test_a_user_without_a_role_is_refused():
    journey = a_journey()

    assert logged_in(None).get(f"/journeys/{journey.pk}/").status_code == 403


def test_an_unknown_journey_is_404():
    assert logged_in(roles.MARKETERS).get("/journeys/999999/").status_code == 404


def test_the_journey_name_is_escaped_in_the_page_title():
    journey = a_journey(name="<script>alert(1)</script>")

    html = logged_in(roles.MARKETERS).get(f"/journeys/{journey.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_old_editor_address_leads_to_the_journey_list():
    response = logged_in(roles.MARKETERS).get("/editor/")

    assert response.status_code == 302
    assert response["Location"] == "/journeys/"
