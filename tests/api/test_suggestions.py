"""Suggestions for the editor's pickers: event names seen, customer attribute keys with a type."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journeys import roles
from journeys.models import EventName
from tests.engine.helpers import send
from tests.factories import logged_in, make_customer, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer() -> Client:
    return logged_in(roles.REVIEWERS)


# --- event names


def test_ingestion_remembers_each_track_event_name_once():
    source = make_source()
    send(source, {"userId": "ada", "event": "Order Completed"}, {"userId": "bob", "event": "Order Completed"})
    send(source, {"userId": "ada", "event": "Order Completed"}, {"userId": "ada", "event": "Product Added"})
    send(source, {"type": "page", "userId": "ada", "name": "Pricing"}, {"type": "identify", "userId": "cyd"})

    assert list(EventName.objects.values_list("name", flat=True)) == ["Order Completed", "Product Added"]


def test_a_request_with_only_known_event_names_writes_none(django_capture_on_commit_callbacks):
    source = make_source()
    with django_capture_on_commit_callbacks(execute=True):
        send(source, {"userId": "ada", "event": "Order Completed"})
    with CaptureQueriesContext(connection) as queries:
        send(source, {"userId": "bob", "event": "Order Completed"})

    assert not [q for q in queries.captured_queries if "journeys_eventname" in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):
        send(source, {"userId": "bob", "event": "Product Added"})  # a new one is still stored
    assert EventName.objects.filter(name="Product Added").exists()


def test_event_names_start_with_the_prefix_in_any_case(reviewer):
    send(
        make_source(),
        *({"userId": "ada", "event": name} for name in ("Order Completed", "order refunded", "Ordinal", "Signed Up")),
    )

    assert reviewer.get("/api/event-names/", {"q": "ORDER"}).json() == {
        "results": ["Order Completed", "order refunded"]
    }
    assert reviewer.get("/api/event-names/", {"q": "ord"}).json()["results"] == [
        "Order Completed",
        "order refunded",
        "Ordinal",
    ]
    assert len(reviewer.get("/api/event-names/").json()["results"]) == 4


def test_event_name_prefixes_are_literal_not_patterns(reviewer):
    send(make_source(), {"userId": "ada", "event": "50% off"}, {"userId": "ada", "event": "500 error"})
    assert reviewer.get("/api/event-names/", {"q": "50%"}).json()["results"] == ["50% off"]
    assert reviewer.get("/api/event-names/", {"q": "_"}).json()["results"] == []


def test_event_names_come_at_most_fifty_at_a_time(reviewer):
    EventName.objects.bulk_create(
        EventName(name=f"Event {i:03}", first_seen_at="2026-01-01T00:00:00Z") for i in range(120)
    )
    results = reviewer.get("/api/event-names/", {"q": "event"}).json()["results"]
    assert results == [f"Event {i:03}" for i in range(50)]


def test_the_prefix_search_uses_the_index_on_a_large_table():
    EventName.objects.bulk_create(
        EventName(name=f"Event {i:05}", first_seen_at="2026-01-01T00:00:00Z") for i in range(20000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_eventname")
        query = EventName.objects.filter(name__istartswith="event 0001").order_by("name")[:50]
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "eventname_upper_prefix" in plan, plan


# --- attribute keys


def test_attribute_keys_come_with_the_type_most_often_seen(reviewer):
    make_customer(external_id="ada", attributes={"plan": "pro", "seats": 3, "trial": True, "address": {"city": "Oslo"}})
    make_customer(external_id="bob", attributes={"plan": "team", "seats": "many", "tags": ["a"], "nickname": None})
    make_customer(external_id="cyd", attributes={"plan": "free", "seats": 1})

    body = reviewer.get("/api/attributes/").json()

    assert body == {
        "results": [
            {"name": "address", "type": "object"},
            {"name": "plan", "type": "string"},
            {"name": "seats", "type": "number"},
            {"name": "tags", "type": "array"},
            {"name": "trial", "type": "boolean"},
        ]
    }


def test_attribute_keys_filter_by_prefix_literally(reviewer):
    make_customer(external_id="ada", attributes={"Plan": "pro", "plan_name": "x", "planet": "earth", "p%": 1})
    assert [r["name"] for r in reviewer.get("/api/attributes/", {"q": "plan_"}).json()["results"]] == ["plan_name"]
    assert [r["name"] for r in reviewer.get("/api/attributes/", {"q": "PLAN"}).json()["results"]] == [
        "Plan",
        "plan_name",
        "planet",
    ]
    assert [r["name"] for r in reviewer.get("/api/attributes/", {"q": "p%"}).json()["results"]] == ["p%"]


def test_attribute_keys_come_from_identify_traits(reviewer):
    send(make_source(), {"type": "identify", "userId": "ada", "traits": {"company_size": 40}})
    assert reviewer.get("/api/attributes/", {"q": "comp"}).json()["results"] == [
        {"name": "company_size", "type": "number"}
    ]


# --- who may ask


@pytest.mark.parametrize("path", ["/api/event-names/", "/api/attributes/"])
def test_suggestions_need_a_role(path):
    assert Client().get(path).status_code in (401, 403)
    assert logged_in(None).get(path).status_code == 403
    assert logged_in(roles.MARKETERS).get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/event-names/", "/api/attributes/"])
def test_suggestions_are_read_only(path):
    assert logged_in(roles.ADMINS).post(path).status_code == 405


@pytest.mark.parametrize(
    "path", ["/api/event-names/?q=Order%00", "/api/attributes/?q=plan%00", "/api/journeys/?search=a%00b"]
)
def test_a_nul_character_in_a_search_is_a_400_rather_than_a_failure(reviewer, path):
    send(
        make_source(),
        {"userId": "ada", "event": "Order Completed"},
        {"type": "identify", "userId": "ada", "traits": {"plan": "pro"}},
    )
    response = reviewer.get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
