import pytest
from django.core.cache import cache
from django.test import Client

from journeys.delivery import test_sends
from journeys.models import Customer, Delivery, Enrollment, NodeStat, Step
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.api.test_journeys_api import journey_url, post, welcome_graph
from tests.delivery.peers import SmtpPeer
from tests.factories import logged_in, make_customer, make_journey

pytestmark = pytest.mark.django_db


def start_test_run(client, journey, body=None):
    return post(client, journey_url(journey, "test-runs/"), body or {})


@pytest.fixture(autouse=True)
def _fresh_send_budget():
    cache.clear()
    yield
    cache.clear()


def made_up(**extra):
    return {
        "profile": {
            "external_id": "tess",
            "email": "tess@example.com",
            "traits": {"first_name": "Tess"},
            "consent": {"email": "subscribed"},
            **extra,
        }
    }


def test_a_marketer_gets_the_full_path_of_the_draft_with_rendered_messages():
    journey = make_journey(graph=welcome_graph(), publish=False)
    response = start_test_run(logged_in(MARKETERS), journey, made_up())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "exited"
    assert [(s["node_id"], s["action"]) for s in body["steps"]] == [
        ("start", "entered"),
        ("wait", "waiting"),
        ("wait", "passed"),
        ("email", "passed"),
        ("done", "exited"),
    ]
    assert body["steps"][2]["offset_seconds"] == 3600
    [message] = body["steps"][3]["messages"]
    assert message["parts"]["subject"] == "Welcome"
    assert "Hello Tess" in message["parts"]["html"]
    assert body["visited_nodes"] == ["start", "wait", "email", "done"]
    # Every edge the path took, the trigger's first one included (the canvas outlines them all).
    assert body["visited_edges"] == [
        {"source": "start", "port": "next", "target": "wait"},
        {"source": "wait", "port": "next", "target": "email"},
        {"source": "email", "port": "next", "target": "done"},
    ]


def test_the_live_version_runs_for_an_existing_customer_and_nothing_is_written():
    journey = make_journey(graph=welcome_graph())
    make_customer(external_id="ada", email="ada@example.com", attributes={"first_name": "Ada"}, consent={"email": True})
    tables = (Enrollment, Step, NodeStat, Delivery, Customer)
    before = {model: model.objects.count() for model in tables}
    response = start_test_run(logged_in(ADMINS), journey, {"version": "live", "customer_id": "ada"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version_number"] == 1
    assert body["profile"]["existing"] is True
    assert "Hello Ada" in body["steps"][3]["messages"][0]["parts"]["html"]
    assert {model: model.objects.count() for model in tables} == before


def test_a_reviewer_may_run_a_test_but_not_send_one():
    journey = make_journey(graph=welcome_graph(), publish=False)
    reviewer = logged_in(REVIEWERS)
    assert start_test_run(reviewer, journey, made_up()).status_code == 200
    response = start_test_run(reviewer, journey, {**made_up(), "send_to": "me@example.com"})
    assert response.status_code == 403
    assert "Reviewers" in response.json()["detail"]


def test_anonymous_and_roleless_users_are_refused():
    journey = make_journey(graph=welcome_graph(), publish=False)
    assert start_test_run(Client(), journey).status_code in (401, 403)
    assert start_test_run(logged_in(None), journey).status_code == 403


def test_a_journey_that_does_not_exist_is_a_404():
    response = post(logged_in(MARKETERS), "/api/journeys/999999/test-runs/", {})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": [{"event": "X", "offset_seconds": 1}] * 51}, "events"),
        ({"horizon_seconds": 366 * 86400}, "horizon_seconds"),
        ({"horizon_seconds": 0}, "horizon_seconds"),
        ({"max_steps": 5001}, "max_steps"),
        ({"events": [{"event": "X", "offset_seconds": -1}]}, "events"),
        ({"profile": {"consent": {"email": "maybe"}}}, "profile"),
        ({"profile": {"traits": {"blob": "x" * 20_000}}}, "profile"),
        ({"customer_id": "nobody"}, "customer_id"),
        ({"customer_id": "x", "profile": {}}, "profile"),
        ({"version": "v9"}, "version"),
        ({"send_to": "not-an-address"}, "send_to"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(body, field):
    journey = make_journey(graph=welcome_graph(), publish=False)
    response = start_test_run(logged_in(MARKETERS), journey, body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_testing_the_live_version_of_a_draft_only_journey_is_a_400():
    journey = make_journey(graph=welcome_graph(), publish=False)
    response = start_test_run(logged_in(MARKETERS), journey, {"version": "live"})
    assert response.status_code == 400
    assert "no published version" in response.json()["detail"]


def test_a_draft_with_errors_is_a_400_listing_them():
    journey = make_journey(graph={"nodes": [], "edges": []}, publish=False)
    response = start_test_run(logged_in(MARKETERS), journey)
    assert response.status_code == 400
    assert response.json()["issues"]


def test_emails_go_to_the_test_address_marked_as_a_test_and_sends_are_limited(settings, monkeypatch):
    journey = make_journey(graph=welcome_graph(), publish=False)
    with SmtpPeer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        marketer = logged_in(MARKETERS)
        response = start_test_run(marketer, journey, {**made_up(), "send_to": "qa@example.com"})
        assert response.status_code == 200, response.content
        assert response.json()["steps"][3]["messages"][0]["test_send"] == "sent to qa@example.com"
        [email] = smtp.messages
        assert email["To"] == "qa@example.com"
        assert email["Subject"] == "[Test] Welcome"
        monkeypatch.setattr(test_sends, "MAX_PER_HOUR", 1)
        response = start_test_run(marketer, journey, {**made_up(), "send_to": "qa@example.com"})
        assert response.status_code == 429
        assert len(smtp.messages) == 1
    assert Delivery.objects.count() == 0


def test_an_edited_draft_runs_as_edited_not_as_it_was_last_run():
    journey = make_journey(graph=welcome_graph(), publish=False)
    marketer = logged_in(MARKETERS)
    assert start_test_run(marketer, journey, made_up()).status_code == 200
    journey.graph["nodes"][2]["data"]["config"]["subject"] = "Welcome back"
    journey.save()
    body = start_test_run(marketer, journey, made_up()).json()
    assert body["steps"][3]["messages"][0]["parts"]["subject"] == "Welcome back"


def test_entering_at_a_node_that_is_not_a_trigger_is_a_400():
    journey = make_journey(graph=welcome_graph(), publish=False)
    response = start_test_run(logged_in(MARKETERS), journey, {"trigger": "email"})
    assert response.status_code == 400
    assert "not a trigger" in response.json()["detail"]


def test_a_loop_paced_by_waits_stops_at_max_steps_with_a_200():
    graph = welcome_graph()
    graph["edges"] = [e for e in graph["edges"] if e["source"] != "email"]
    graph["nodes"][3]["data"] = {"kind": "jump", "label": "", "config": {"target": "wait"}}
    graph["edges"].append({"id": "email-done", "source": "email", "sourceHandle": "next", "target": "done"})
    journey = make_journey(graph=graph, publish=False)
    response = start_test_run(logged_in(MARKETERS), journey, {**made_up(), "max_steps": 40})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "step_limit"
    assert len(body["steps"]) == 40


def test_a_draft_holding_a_number_beyond_64_bits_runs():
    # jsonb keeps 1e20 exactly and hands it back as an int beyond 64 bits, which orjson refuses.
    graph = welcome_graph()
    graph["nodes"][0]["position"] = {"x": 10**20, "y": 0}
    journey = make_journey(graph=graph, publish=False)

    response = start_test_run(logged_in(MARKETERS), journey, made_up())

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "exited"
