"""The journeys API end to end: Django's test client, real services, the real engine."""

import base64
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from journeys import nodes, roles, services
from journeys.engine.tick import tick
from journeys.models import Enrollment, Journey, JourneyVersion
from journeys.nodes.base import CATEGORIES
from tests.factories import logged_in, make_api_token, make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.django_db

WRITE_KEY = "api-write-key"
HOUR = timedelta(hours=1)


@pytest.fixture
def marketer() -> Client:
    return logged_in(roles.MARKETERS)


@pytest.fixture
def reviewer() -> Client:
    return logged_in(roles.REVIEWERS)


def welcome_graph(wait_id: str = "wait") -> dict:
    """Enter through the API, wait an hour, get an email, leave."""
    return make_graph(
        [
            node("start", "api_trigger", label="Signed up"),
            node(wait_id, "wait", {"mode": "duration", "seconds": 3600}, label="One hour"),
            node("email", "send_email", {"subject": "Welcome", "body": "Hello {{ customer.first_name }}"}),
            node("done", "exit"),
        ],
        [("start", "next", wait_id), (wait_id, "next", "email"), ("email", "next", "done")],
    )


def post(client: Client, path: str, data=None, **headers):
    return client.post(path, json.dumps(data if data is not None else {}), content_type="application/json", **headers)


def patch(client: Client, path: str, data):
    return client.patch(path, json.dumps(data), content_type="application/json")


def journey_url(journey, suffix: str = "") -> str:
    return f"/api/journeys/{journey.pk}/{suffix}"


def basic(write_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


def enroll(client: Client, journey, customer_id: str, context=None, **headers):
    body = {"customer_id": customer_id}
    if context is not None:
        body["context"] = context
    return post(client, journey_url(journey, "enroll/"), body, **headers)


def enroll_all(client: Client, journey, *customer_ids: str) -> None:
    for customer_id in customer_ids:
        response = enroll(client, journey, customer_id)
        assert response.status_code == 201, response.content


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True)


# --- list, create, retrieve, update


def test_a_marketer_creates_a_draft_journey(marketer):
    response = post(marketer, "/api/journeys/", {"name": "Welcome", "graph": welcome_graph(), "settings": {}})

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("name", "status", "current_version", "entered_count")} == {
        "name": "Welcome",
        "status": "draft",
        "current_version": None,
        "entered_count": 0,
    }
    journey = Journey.objects.get(pk=body["id"])
    assert journey.graph == welcome_graph()
    assert journey.created_by.groups.get().name == roles.MARKETERS


def test_a_journey_without_a_graph_starts_empty(marketer):
    response = post(marketer, "/api/journeys/", {"name": "Blank"})

    assert response.status_code == 201, response.content
    assert response.json()["graph"] == {"nodes": [], "edges": []}


@pytest.mark.parametrize(
    ("field", "value"),
    [("graph", []), ("graph", {"nodes": []}), ("settings", ["re_entry"]), ("name", "")],
)
def test_a_journey_with_a_malformed_field_is_refused_naming_the_field(marketer, field, value):
    response = post(marketer, "/api/journeys/", {"name": "Welcome", field: value})

    assert response.status_code == 400
    assert field in response.json()
    assert not Journey.objects.exists()


def test_the_list_is_paged_and_filters_by_status_and_name(marketer):
    make_journey(graph=welcome_graph(), name="Welcome series")
    make_journey(graph=welcome_graph(), name="Basket recovery", publish=False)
    make_journey(graph=welcome_graph(), name="Loan offer", publish=False)

    everything = marketer.get("/api/journeys/").json()
    live = marketer.get("/api/journeys/", {"status": "live"}).json()
    basket = marketer.get("/api/journeys/", {"search": "BASKET"}).json()
    drafts_with_an_o = marketer.get("/api/journeys/", {"status": "draft", "search": "o"}).json()

    assert everything["count"] == 3
    assert [j["name"] for j in live["results"]] == ["Welcome series"]
    assert live["results"][0]["current_version"] == 1
    assert [j["name"] for j in basket["results"]] == ["Basket recovery"]
    assert {j["name"] for j in drafts_with_an_o["results"]} == {"Basket recovery", "Loan offer"}


def test_a_journey_is_retrieved_with_its_draft_graph(marketer):
    journey = make_journey(graph=welcome_graph(), settings={"entry_cap": 10}, name="Welcome")

    body = marketer.get(journey_url(journey)).json()

    assert body["graph"] == welcome_graph()
    assert body["settings"] == {"entry_cap": 10}
    assert (body["status"], body["current_version"]) == ("live", 1)


def test_an_unknown_journey_is_404(marketer):
    assert marketer.get("/api/journeys/999999999/").status_code == 404


def test_patching_changes_the_draft_but_not_the_live_version(marketer):
    journey = make_journey(graph=welcome_graph(), name="Welcome")
    new_graph = welcome_graph(wait_id="long_wait")

    response = patch(marketer, journey_url(journey), {"name": "Welcome v2", "graph": new_graph})

    assert response.status_code == 200, response.content
    journey.refresh_from_db()
    assert (journey.name, journey.graph) == ("Welcome v2", new_graph)
    assert journey.current_version.graph == welcome_graph()


def test_the_status_cannot_be_set_by_patching(marketer):
    journey = make_journey(graph=welcome_graph(), publish=False)

    response = patch(marketer, journey_url(journey), {"status": "live", "entered_count": 5})

    assert response.status_code == 200
    journey.refresh_from_db()
    assert (journey.status, journey.entered_count) == ("draft", 0)


def test_an_archived_journey_cannot_be_edited(marketer):
    journey = make_journey(graph=welcome_graph(), publish=False, name="Old")
    assert post(marketer, journey_url(journey, "archive/")).status_code == 200

    response = patch(marketer, journey_url(journey), {"name": "Renamed"})

    assert response.status_code == 400
    assert "archived" in response.json()["detail"]
    journey.refresh_from_db()
    assert journey.name == "Old"


# --- validate and publish


def test_validate_names_the_node_and_field_of_each_error(marketer):
    graph = welcome_graph()
    graph["nodes"][2]["data"]["config"] = {"body": "no subject"}
    journey = make_journey(graph=graph, publish=False)

    response = post(marketer, journey_url(journey, "validate/"))

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert {"code": "invalid_config", "node_id": "email", "field": "subject"}.items() <= body["errors"][0].items()


def test_validate_reports_an_unreachable_node_as_a_warning(marketer):
    graph = welcome_graph()
    graph["nodes"].append(node("orphan", "exit"))
    journey = make_journey(graph=graph, publish=False)

    body = post(marketer, journey_url(journey, "validate/")).json()

    assert body["ok"] is True
    assert [(w["code"], w["node_id"]) for w in body["warnings"]] == [("unreachable_node", "orphan")]


def test_publishing_an_invalid_graph_is_409_with_the_validation_errors(marketer):
    graph = make_graph([node("email", "send_email", {"subject": "Hi", "body": "Hello"})], [])
    journey = make_journey(graph=graph, publish=False)

    response = post(marketer, journey_url(journey, "publish/"))

    assert response.status_code == 409
    body = response.json()
    assert "errors" in body["detail"]
    assert body["validation"]["ok"] is False
    assert "no_trigger" in [error["code"] for error in body["validation"]["errors"]]
    journey.refresh_from_db()
    assert (journey.status, journey.current_version) == ("draft", None)
    assert not JourneyVersion.objects.exists()


def test_publishing_a_valid_graph_makes_version_1_and_goes_live(marketer):
    journey = make_journey(graph=welcome_graph(), publish=False)

    response = post(marketer, journey_url(journey, "publish/"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["current_version"], body["moved"], body["removed"]) == ("live", 1, 0, 0)
    version = JourneyVersion.objects.get(journey=journey)
    assert version.graph == welcome_graph()
    assert version.published_by is not None


def test_publishing_again_makes_version_2_and_customers_inside_stay_on_version_1(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1")
    patch(marketer, journey_url(journey), {"graph": welcome_graph(wait_id="long_wait")})

    response = post(marketer, journey_url(journey, "publish/"))

    assert response.status_code == 200
    assert response.json()["current_version"] == 2
    assert Enrollment.objects.get().version.number == 1


def test_publishing_with_migrate_and_a_mapping_moves_customers_to_the_renamed_node(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1", "u2")
    tick(now=timezone.now())
    assert set(Enrollment.objects.values_list("node_id", flat=True)) == {"wait"}
    patch(marketer, journey_url(journey), {"graph": welcome_graph(wait_id="pause")})

    response = post(marketer, journey_url(journey, "publish/"), {"migrate": True, "mapping": {"wait": "pause"}})

    assert response.status_code == 200, response.content
    assert (response.json()["moved"], response.json()["removed"]) == (2, 0)
    moved = Enrollment.objects.filter(journey=journey)
    assert {(e.node_id, e.version.number, e.status) for e in moved} == {("pause", 2, "active")}


def test_migrating_without_a_mapping_removes_customers_at_nodes_that_are_gone(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1")
    tick(now=timezone.now())
    patch(marketer, journey_url(journey), {"graph": welcome_graph(wait_id="pause")})

    response = post(marketer, journey_url(journey, "publish/"), {"migrate": True})

    assert (response.json()["moved"], response.json()["removed"]) == (0, 1)
    assert Enrollment.objects.values_list("status", "exit_reason").get() == ("exited", "removed")


def test_a_mapping_to_a_node_that_does_not_exist_is_409_and_publishes_nothing(marketer):
    journey = make_journey(graph=welcome_graph())
    patch(marketer, journey_url(journey), {"graph": welcome_graph(wait_id="pause")})

    response = post(marketer, journey_url(journey, "publish/"), {"migrate": True, "mapping": {"wait": "nowhere"}})

    assert response.status_code == 409
    assert "nowhere" in response.json()["detail"]
    assert list(journey.versions.values_list("number", flat=True)) == [1]


# --- lifecycle


def test_a_journey_goes_through_its_whole_lifecycle(marketer):
    journey = make_journey(graph=welcome_graph())
    statuses = []
    for action in ("pause", "resume", "close", "stop", "archive"):
        response = post(marketer, journey_url(journey, f"{action}/"))
        assert response.status_code == 200, (action, response.content)
        statuses.append(response.json()["status"])

    assert statuses == ["paused", "live", "closed", "stopped", "archived"]


@pytest.mark.parametrize(
    ("publish", "action", "message"),
    [
        (False, "pause", "cannot pause a draft journey"),
        (False, "close", "cannot close a draft journey"),
        (True, "resume", "cannot resume a live journey"),
        (True, "archive", "cannot archive a live journey"),
    ],
)
def test_a_transition_the_status_does_not_allow_is_409_with_a_message(marketer, publish, action, message):
    journey = make_journey(graph=welcome_graph(), publish=publish)
    before = journey.status

    response = post(marketer, journey_url(journey, f"{action}/"))

    assert response.status_code == 409
    assert response.json()["detail"] == message
    journey.refresh_from_db()
    assert journey.status == before


def test_stopping_a_journey_exits_everyone_inside(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1", "u2")

    assert post(marketer, journey_url(journey, "stop/")).status_code == 200

    assert set(Enrollment.objects.values_list("status", "exit_reason")) == {("exited", "stopped")}


# --- versions


def test_versions_are_listed_newest_first_and_readable_one_by_one(marketer):
    journey = make_journey(graph=welcome_graph())
    patch(marketer, journey_url(journey), {"graph": welcome_graph(wait_id="pause")})
    post(marketer, journey_url(journey, "publish/"))

    listed = marketer.get(journey_url(journey, "versions/")).json()
    first = marketer.get(journey_url(journey, "versions/1/")).json()

    assert [v["number"] for v in listed] == [2, 1]
    assert listed[0]["published_by"] is not None  # published through the API, by the marketer
    assert first["graph"] == welcome_graph()
    assert marketer.get(journey_url(journey, "versions/3/")).status_code == 404


# --- export and import


def test_export_then_import_round_trips_the_graph_and_settings_exactly(marketer):
    graph = welcome_graph()
    graph["nodes"][0]["position"] = {"x": 12.5, "y": -3}
    graph["nodes"][1]["data"]["label"] = "Attendre une heure ✉ <b>"
    graph["nodes"].append(node("spare", "exit", {"reason": 'ünïcode "quoted"\n'}))
    graph["edges"][0]["sourceHandle"] = None
    graph["edges"][0]["animated"] = True  # React Flow's own keys are kept, not just ours
    settings = {"re_entry": {"mode": "after_exit", "min_gap_seconds": 0}, "entry_cap": 9007199254740991}
    original = make_journey(graph=graph, settings=settings, name="Round trip", publish=False)

    exported = marketer.get(journey_url(original, "export/"))
    imported = post(marketer, "/api/journeys/import/", exported.json())

    assert imported.status_code == 201, imported.content
    copy = Journey.objects.get(pk=imported.json()["id"])
    assert (copy.status, copy.name) == ("draft", "Round trip")
    assert canonical(copy.graph) == canonical(graph)
    assert canonical(copy.settings) == canonical(settings)
    assert marketer.get(journey_url(copy, "export/")).content == exported.content


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"format": "something.else", "version": 1}, "not a journey export"),
        ({"format": "cjo.journey", "version": 99, "name": "x", "graph": {"nodes": [], "edges": []}}, "version"),
        ({"format": "cjo.journey", "version": 1, "name": "x", "graph": {"nodes": {}}}, "graph"),
        ({"format": "cjo.journey", "version": 1, "name": "", "graph": {"nodes": [], "edges": []}}, "name"),
    ],
)
def test_an_import_that_is_not_a_journey_export_is_400(marketer, payload, message):
    response = post(marketer, "/api/journeys/import/", payload)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Journey.objects.exists()


# --- enrolling through the API


def test_a_marketer_enrolls_a_customer_with_a_context_payload(marketer):
    journey = make_journey(graph=welcome_graph())

    response = enroll(marketer, journey, "u1", context={"plan": "pro", "seats": 3})

    assert response.status_code == 201, response.content
    enrollment = Enrollment.objects.get(pk=response.json()["enrollment"])
    assert (enrollment.customer.external_id, enrollment.node_id, enrollment.status) == ("u1", "start", "active")
    assert enrollment.context["api"] == {"plan": "pro", "seats": 3}
    journey.refresh_from_db()
    assert journey.entered_count == 1


def token_for(role: str) -> dict:
    user = make_user(role=role)
    return {"HTTP_AUTHORIZATION": f"Token {make_api_token(user)}"}


def test_an_integration_enrolls_with_a_marketers_api_token_without_a_session():
    journey = make_journey(graph=welcome_graph())

    response = enroll(Client(), journey, "u1", **token_for(roles.MARKETERS))

    assert response.status_code == 201, response.content
    assert Enrollment.objects.get().customer.external_id == "u1"


def test_a_reviewers_token_cannot_enroll():
    journey = make_journey(graph=welcome_graph())

    response = enroll(Client(), journey, "u1", **token_for(roles.REVIEWERS))

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_a_public_write_key_cannot_enroll():
    # Write keys sit in web pages for browser SDKs; they may send events, never enter customers.
    make_source(write_key=WRITE_KEY)
    journey = make_journey(graph=welcome_graph())

    response = enroll(Client(), journey, "u1", **basic(WRITE_KEY))

    assert response.status_code in (401, 403)
    assert not Enrollment.objects.exists()


def test_a_wrong_token_is_401_even_alongside_a_marketer_session(marketer):
    journey = make_journey(graph=welcome_graph())

    response = enroll(marketer, journey, "u1", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert not Enrollment.objects.exists()


def test_enrolling_into_a_journey_that_is_not_live_is_409(marketer):
    draft = make_journey(graph=welcome_graph(), publish=False)
    paused = make_journey(graph=welcome_graph())
    post(marketer, journey_url(paused, "pause/"))

    for journey, status in [(draft, "draft"), (paused, "paused")]:
        response = enroll(marketer, journey, "u1")
        assert response.status_code == 409
        assert response.json()["detail"] == f"customers can only enter a live journey; this one is {status}"
    assert not Enrollment.objects.exists()


def test_enrolling_into_a_journey_without_an_api_trigger_is_409(marketer):
    graph = make_graph(
        [node("start", "event_trigger", {"event": "Signed Up"}), node("done", "exit")], [("start", "next", "done")]
    )
    journey = make_journey(graph=graph)

    response = enroll(marketer, journey, "u1")

    assert response.status_code == 409
    assert "no API trigger" in response.json()["detail"]


def test_enrolling_twice_where_re_entry_is_never_is_409_the_second_time(marketer):
    journey = make_journey(graph=welcome_graph(), settings={"re_entry": {"mode": "never"}})

    first = enroll(marketer, journey, "u1")
    second = enroll(marketer, journey, "u1")

    assert first.status_code == 201
    assert second.status_code == 409
    assert "entry rules" in second.json()["detail"]
    assert Enrollment.objects.count() == 1


def test_an_enrollment_without_a_customer_id_is_400(marketer):
    journey = make_journey(graph=welcome_graph())

    response = post(marketer, journey_url(journey, "enroll/"), {"context": {}})

    assert response.status_code == 400
    assert "customer_id" in response.json()


def test_enrolling_into_a_journey_id_that_is_not_a_number_is_404(marketer):
    response = post(marketer, "/api/journeys/welcome/enroll/", {"customer_id": "u1"})

    assert response.status_code == 404


# --- who is where, counters, history


def test_enrollments_are_filtered_by_node_and_status_and_paged(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "done-1", "done-2")
    start = timezone.now()
    tick(now=start)
    tick(now=start + 3 * HOUR)
    enroll_all(marketer, journey, "waiting-1", "waiting-2", "waiting-3")
    tick(now=timezone.now())
    url = journey_url(journey, "enrollments/")

    at_wait = marketer.get(url, {"node": "wait", "limit": 2}).json()
    second_page = marketer.get(at_wait["next"]).json()
    exited = marketer.get(url, {"status": "exited"}).json()
    active_at_done = marketer.get(url, {"status": "active", "node": "done"}).json()

    assert at_wait["count"] == 3
    assert len(at_wait["results"]) == 2
    assert {e["customer_id"] for e in at_wait["results"] + second_page["results"]} == {
        "waiting-1",
        "waiting-2",
        "waiting-3",
    }
    assert second_page["next"] is None
    assert {(e["customer_id"], e["node_id"], e["exit_reason"]) for e in exited["results"]} == {
        ("done-1", "done", "reached an exit"),
        ("done-2", "done", "reached an exit"),
    }
    assert active_at_done["count"] == 0


def test_counters_show_entered_and_passed_per_node_after_the_engine_moved_customers(marketer):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1", "u2", "u3")
    start = timezone.now()
    tick(now=start)
    waiting = marketer.get(journey_url(journey, "counters/")).json()["nodes"]
    tick(now=start + 3 * HOUR)

    response = marketer.get(journey_url(journey, "counters/"))

    assert waiting["wait"] == {"entered": 3, "waiting": 3}
    assert response.status_code == 200
    assert response.json() == {
        "journey": journey.pk,
        "nodes": {
            "start": {"entered": 3, "passed:next": 3},
            "wait": {"entered": 3, "passed:next": 3, "waiting": 0},
            "email": {"entered": 3, "passed:next": 3, "delivery:queued": 3},
            "done": {"entered": 3, "exited": 3},
        },
    }


@pytest.mark.parametrize("offset", [True, False], ids=["with an offset", "without an offset, as UTC"])
def test_counters_since_a_time_count_only_what_happened_from_its_hour_on(marketer, offset):
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1", "u2")
    start = timezone.now()
    tick(now=start)
    tick(now=start + 3 * HOUR)
    since = start + 2 * HOUR

    response = marketer.get(
        journey_url(journey, "counters/"), {"since": since.isoformat() if offset else f"{since:%Y-%m-%dT%H:%M:%S}"}
    )

    assert response.status_code == 200
    nodes_since = response.json()["nodes"]
    assert "start" not in nodes_since  # entered and left in the first hour
    assert nodes_since["wait"] == {"passed:next": 2, "waiting": 0}
    assert nodes_since["done"] == {"entered": 2, "exited": 2}


def test_counters_since_a_time_in_a_half_hour_zone_start_at_its_utc_hour(marketer):
    # 21:20 in India is 15:50 UTC: the counters kept for 15:00-16:00 UTC must be in.
    journey = make_journey(graph=welcome_graph())
    enroll_all(marketer, journey, "u1", "u2")
    first = datetime(2031, 1, 1, 12, 50, tzinfo=UTC)
    tick(now=first)
    tick(now=first + 3 * HOUR)
    since = (first + 3 * HOUR).astimezone(ZoneInfo("Asia/Kolkata"))

    response = marketer.get(journey_url(journey, "counters/"), {"since": since.isoformat()})

    assert since.isoformat() == "2031-01-01T21:20:00+05:30"
    assert response.json()["nodes"]["done"] == {"entered": 2, "exited": 2}


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "2026-02-30T10:00:00",
        "2026-01-01T25:00:00Z",
        "2026-01-01T10:00+99:00",
        "9999-12-31T23:59:59-23:00",
        "0001-01-01T00:00:00+14:00",
    ],
    ids=["words", "February 30", "hour 25", "offset of 99 hours", "after year 9999 in UTC", "before year 1 in UTC"],
)
def test_a_since_that_is_not_a_date_time_is_400(marketer, since):
    journey = make_journey(graph=welcome_graph())

    response = marketer.get(journey_url(journey, "counters/"), {"since": since})

    assert response.status_code == 400
    assert "since" in response.json()


def test_a_customers_history_lists_each_step_with_its_reason(marketer):
    journey = make_journey(graph=welcome_graph(), name="Welcome")
    enroll_all(marketer, journey, "u1")
    start = timezone.now()
    tick(now=start)
    tick(now=start + 3 * HOUR)

    response = marketer.get("/api/customers/u1/journeys/")

    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == "u1"
    [entry] = body["journeys"]
    assert (entry["journey"], entry["journey_id"], entry["status"]) == ("Welcome", journey.pk, "exited")
    assert [(s["node_id"], s["action"], s["reason"]) for s in entry["steps"]] == [
        ("start", "entered", "entered through the API"),
        ("wait", "waiting", "waiting 1 hour"),
        ("wait", "passed", "waited 3 hours"),
        ("email", "passed", "queued send email"),
        ("done", "exited", "reached an exit"),
    ]


def test_the_history_of_an_unknown_customer_is_404(marketer):
    assert marketer.get("/api/customers/nobody/journeys/").status_code == 404


# --- the node-type catalog


def test_the_catalog_describes_every_registered_node_kind(marketer):
    response = marketer.get("/api/node-types/")

    assert response.status_code == 200
    catalog = {entry["kind"]: entry for entry in response.json()}
    assert set(catalog) == {node_type.kind for node_type in nodes.all_types()}
    for node_type in nodes.all_types():
        entry = catalog[node_type.kind]
        assert entry["label"].strip(), node_type.kind
        assert entry["category"] in CATEGORIES, node_type.kind
        assert isinstance(entry["ports"], list), node_type.kind
        assert isinstance(entry["config"], list), node_type.kind
        assert [field["name"] for field in entry["config"]] == list(node_type.Config().fields), node_type.kind
        for field in entry["config"]:
            assert {"name", "type", "required", "label", "help"} <= set(field), (node_type.kind, field)


def test_the_catalog_lists_a_trigger_without_config_with_an_empty_config_list(marketer):
    catalog = {entry["kind"]: entry for entry in marketer.get("/api/node-types/").json()}

    assert catalog["api_trigger"]["config"] == []
    assert catalog["api_trigger"]["ports"] == ["next"]
    assert catalog["exit"]["ports"] == []


# --- permissions


def test_a_reviewer_reads_journeys_but_cannot_change_publish_or_enroll(reviewer):
    journey = make_journey(graph=welcome_graph(), name="Welcome")
    draft = make_journey(graph=welcome_graph(), publish=False)

    assert reviewer.get("/api/journeys/").status_code == 200
    assert reviewer.get(journey_url(journey)).status_code == 200
    assert reviewer.get(journey_url(journey, "versions/")).status_code == 200
    assert reviewer.get(journey_url(journey, "counters/")).status_code == 200
    assert reviewer.get(journey_url(journey, "export/")).status_code == 200
    assert post(reviewer, "/api/journeys/", {"name": "Mine"}).status_code == 403
    assert patch(reviewer, journey_url(journey), {"name": "Renamed"}).status_code == 403
    assert post(reviewer, journey_url(draft, "publish/")).status_code == 403
    assert post(reviewer, journey_url(journey, "pause/")).status_code == 403
    assert enroll(reviewer, journey, "u1").status_code == 403
    journey.refresh_from_db()
    draft.refresh_from_db()
    assert (journey.name, journey.status, draft.status) == ("Welcome", "live", "draft")
    assert Journey.objects.count() == 2
    assert not Enrollment.objects.exists()


def test_a_user_without_a_role_is_refused_even_reading():
    journey = make_journey(graph=welcome_graph())
    nobody = logged_in(None)

    assert nobody.get("/api/journeys/").status_code == 403
    assert nobody.get(journey_url(journey)).status_code == 403
    assert enroll(nobody, journey, "u1").status_code == 403


def test_anonymous_requests_are_refused():
    journey = make_journey(graph=welcome_graph())
    anonymous = Client()

    assert anonymous.get("/api/journeys/").status_code in (401, 403)
    assert post(anonymous, "/api/journeys/", {"name": "x"}).status_code in (401, 403)
    assert anonymous.get("/api/node-types/").status_code in (401, 403)
    assert enroll(anonymous, journey, "u1").status_code in (401, 403)
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("role", [roles.MARKETERS, roles.ADMINS])
def test_marketers_and_admins_can_write(role):
    client = logged_in(role)

    created = post(client, "/api/journeys/", {"name": "Welcome", "graph": welcome_graph()})
    url = f"/api/journeys/{created.json()['id']}/"

    assert created.status_code == 201
    assert patch(client, url, {"description": "Say hello"}).status_code == 200
    assert post(client, url + "publish/").status_code == 200


def test_an_unsafe_request_without_the_csrf_token_is_refused():
    # The default test client skips CSRF checks; a browser session must send the token.
    client = logged_in(roles.MARKETERS, enforce_csrf_checks=True)

    response = post(client, "/api/journeys/", {"name": "Forged"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Journey.objects.exists()


# --- schema and docs


def test_the_openapi_schema_describes_the_journey_endpoints(marketer):
    response = marketer.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/journeys/", "/api/journeys/{id}/publish/", "/api/journeys/{id}/enroll/", "/api/node-types/"):
        assert path in paths, path


def test_the_api_docs_render_for_a_logged_in_user_from_this_server(marketer):
    response = marketer.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn." not in page and "@latest" not in page  # works offline, at a pinned version


def test_the_schema_and_its_page_are_for_signed_in_users():
    anonymous = Client()

    assert anonymous.get("/api/schema/").status_code in (401, 403)
    assert anonymous.get("/api/docs/").status_code in (401, 403)


def test_publish_validates_the_graph_it_actually_publishes():
    # What a PATCH landing between the view's get_object() and journey_publish's lock does.
    journey = make_journey(graph=welcome_graph(), publish=False)
    no_trigger = make_graph([node("done", "exit")], [])
    Journey.objects.filter(pk=journey.pk).update(graph=no_trigger)

    with pytest.raises(services.JourneyError):
        services.journey_publish(journey=journey)

    assert not JourneyVersion.objects.filter(journey=journey).exists()


# --- a draft's shape is checked on save; a write and its audit entry go together


def _audit_actions(journey_id) -> list[str]:
    from journeys.models import AuditEntry

    return list(
        AuditEntry.objects.filter(object_type="journeys.journey", object_id=str(journey_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.parametrize(
    ("bad_graph", "problem"),
    [
        ({"nodes": [node("a", "exit"), dict(node("b", "exit"), id=5)], "edges": []}, "nodes[1].id"),
        ({"nodes": [dict(node("a", "exit"), data="exit")], "edges": []}, "nodes[0].data"),
        ({"nodes": [dict(node("a", "exit"), position={"x": "1", "y": "2"})], "edges": []}, "nodes[0].position"),
        ({"nodes": [], "edges": [0] * 2001}, "at most 2000 edges"),
    ],
)
def test_a_malformed_graph_is_refused_on_save_and_nothing_is_written(marketer, bad_graph, problem):
    journey = make_journey(graph=welcome_graph(), publish=False)
    before = _audit_actions(journey.pk)

    patched = marketer.patch(
        f"/api/journeys/{journey.pk}/",
        {"description": "changed", "graph": bad_graph},
        content_type="application/json",
    )
    created = marketer.post(
        "/api/journeys/", {"name": "Malformed", "graph": bad_graph}, content_type="application/json"
    )

    assert patched.status_code == 400 and problem in patched.json()["graph"][0]
    assert created.status_code == 400 and problem in created.json()["graph"][0]
    journey.refresh_from_db()
    assert journey.description == "" and journey.graph == welcome_graph()
    assert not Journey.objects.filter(name="Malformed").exists()
    assert _audit_actions(journey.pk) == before


def test_an_edit_whose_audit_entry_fails_is_not_stored(marketer, monkeypatch):
    journey = make_journey(graph=welcome_graph(), publish=False)

    def failing_record(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services.audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        services.journey_update(journey=journey, description="not audited")
    with pytest.raises(RuntimeError):
        services.journey_create(name="Not audited")

    journey.refresh_from_db()
    assert journey.description == ""
    assert not Journey.objects.filter(name="Not audited").exists()


def test_a_draft_stored_malformed_before_shapes_were_checked_can_be_repaired(marketer):
    journey = make_journey(graph=welcome_graph(), publish=False)
    broken = {"nodes": [node("a", "exit"), dict(node("b", "exit"), id=5)], "edges": []}
    Journey.objects.filter(pk=journey.pk).update(graph=broken)

    response = marketer.patch(
        f"/api/journeys/{journey.pk}/", {"graph": welcome_graph()}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert _audit_actions(journey.pk)[-1] == "journey.edit"
