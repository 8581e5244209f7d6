"""The journeys list API's counts, status check and the duplicate action."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journeys import roles, services
from journeys.models import Journey
from tests.canvas.test_journey_list import make_many_journeys, signup_journey
from tests.engine.helpers import run, send
from tests.factories import logged_in, make_source

pytestmark = pytest.mark.django_db


def test_the_list_gives_each_journey_its_entered_active_and_converted_counts():
    journey = signup_journey()
    idle = services.journey_create(name="Idle draft")
    source = make_source()
    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "bob", "event": "Signed Up"})
    run()
    send(source, {"userId": "bob", "event": "Upgraded"})
    run()
    run(now=timezone.now() + timezone.timedelta(days=2))
    send(source, {"userId": "cyd", "event": "Signed Up"})
    run()

    body = logged_in(roles.REVIEWERS).get("/api/journeys/").json()

    counts = {item["id"]: item["counts"] for item in body["results"]}
    assert counts == {
        journey.pk: {"entered": 3, "active": 1, "converted": 1},
        idle.pk: {"entered": 0, "active": 0, "converted": 0},
    }


def test_an_unknown_status_filter_is_a_400_naming_the_choices():
    response = logged_in(roles.REVIEWERS).get("/api/journeys/", {"status": "running"})
    assert response.status_code == 400
    assert "live" in response.json()["status"]


def test_the_list_takes_the_same_few_queries_for_any_page_of_thousands():
    make_many_journeys(2000)
    reviewer = logged_in(roles.REVIEWERS)
    reviewer.get("/api/journeys/?limit=1")

    with CaptureQueriesContext(connection) as first:
        reviewer.get("/api/journeys/", {"limit": 5})
    with CaptureQueriesContext(connection) as deep:
        body = reviewer.get("/api/journeys/", {"limit": 50, "offset": 1500}).json()

    assert len(first) == len(deep) <= 6
    assert body["count"] == 2000
    assert len(body["results"]) == 50


def test_duplicate_returns_201_with_the_new_draft():
    original = signup_journey()
    response = logged_in(roles.MARKETERS).post(f"/api/journeys/{original.pk}/duplicate/")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["status"], body["current_version"]) == ("Copy of Welcome", "draft", None)
    assert body["graph"] == original.graph
    assert Journey.objects.get(pk=body["id"]).created_by.username == response.wsgi_request.user.username


def test_duplicate_keeps_a_long_name_within_the_limit():
    original = services.journey_create(name="n" * 200)
    body = logged_in(roles.ADMINS).post(f"/api/journeys/{original.pk}/duplicate/").json()
    assert body["name"] == ("Copy of " + "n" * 200)[:200]


def test_reviewers_and_strangers_cannot_duplicate():
    original = services.journey_create(name="Welcome")
    assert logged_in(roles.REVIEWERS).post(f"/api/journeys/{original.pk}/duplicate/").status_code == 403
    assert Client().post(f"/api/journeys/{original.pk}/duplicate/").status_code in (401, 403)
    assert Journey.objects.count() == 1


def test_duplicate_with_a_session_needs_the_csrf_token():
    original = services.journey_create(name="Welcome")
    client = logged_in(roles.MARKETERS, enforce_csrf_checks=True)
    response = client.post(f"/api/journeys/{original.pk}/duplicate/", json.dumps({}), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Journey.objects.count() == 1


def test_duplicate_of_a_missing_journey_is_a_404():
    assert logged_in(roles.MARKETERS).post("/api/journeys/999999/duplicate/").status_code == 404
