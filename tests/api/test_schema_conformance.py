"""Real responses of the API against the OpenAPI schema drf-spectacular generates (/api/schema/).

Every GET endpoint of /api/ is called with data that fills each optional part (a published
journey with a split, a customer inside it, a template), and the JSON it answers must validate
against the schema's 200 response. A new GET endpoint without a sample here fails the test
that lists them, so the schema cannot drift from the responses unnoticed.
"""

import copy
import functools
import json
import re

import jsonschema
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from journeys import roles, services
from journeys.engine.tick import tick
from journeys.models import Customer, MessageTemplate
from journeys.privacy import services as privacy_services
from tests.factories import logged_in, make_customer, make_graph, make_journey, node

pytestmark = pytest.mark.django_db


@functools.cache
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def as_json_schema(schema):
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_schema(path: str, method: str, status: int) -> dict:
    operation = openapi()["paths"][path][method]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    # References point at #/components/...; keep the components beside the schema they serve.
    return {**as_json_schema(copy.deepcopy(schema)), "components": as_json_schema(openapi()["components"])}


def assert_conforms(path: str, method: str, response) -> None:
    assert response.headers["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    try:
        jsonschema.Draft202012Validator(response_schema(path, method, response.status_code)).validate(body)
    except jsonschema.ValidationError as error:
        pytest.fail(f"{method.upper()} {path} {response.status_code}: {error.message} at {list(error.absolute_path)}")


def get_paths() -> list[str]:
    return sorted(path for path, item in openapi()["paths"].items() if "get" in item and path.startswith("/api/"))


def split_graph() -> dict:
    """An API trigger into a two-arm split, each arm waiting an hour before it exits."""
    return make_graph(
        [
            node("start", "api_trigger", label="Signed up"),
            node(
                "split",
                "split",
                {"variants": [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]},
            ),
            node("wait_a", "wait", {"mode": "duration", "seconds": 3600}),
            node("wait_b", "wait", {"mode": "duration", "seconds": 3600}),
            node("done", "exit"),
        ],
        [
            ("start", "next", "split"),
            ("split", "A", "wait_a"),
            ("split", "B", "wait_b"),
            ("wait_a", "next", "done"),
            ("wait_b", "next", "done"),
        ],
    )


@pytest.fixture
def client() -> Client:
    return logged_in(roles.ADMINS)


@pytest.fixture
def world():
    """A published journey with a split and a customer inside it, a draft never published, a template."""
    journey = make_journey(graph=split_graph(), settings={"goal": {"event": "Order Completed"}})
    draft = make_journey(graph={"nodes": [], "edges": []}, publish=False)
    make_customer(external_id="ada", attributes={"plan": "pro"})
    services.enrollment_create_from_api(journey=journey, external_id="ada", context={"source": "test"})
    tick()
    template = MessageTemplate.objects.create(name="Welcome", channel="email", subject="Hi", html="<p>Hello</p>")
    export = privacy_services.privacy_request_create(kind="export", external_id="ada")
    privacy_services.privacy_request_run(export.pk)
    return {"journey": journey, "draft": draft, "template": template, "privacy_request": export}


def concrete(path: str, world: dict) -> str:
    """The schema's path with its parameters filled from `world`."""
    journey = world["journey"].pk
    values = {
        "journey_id": journey,
        "node_id": "split",
        "number": 1,
        "external_id": "ada",
        "customer_id": Customer.objects.get(external_id="ada").pk,
        "id": {"/api/templates/": world["template"].pk, "/api/privacy-requests/": world["privacy_request"].pk}.get(
            path[: path.index("/", len("/api/")) + 1], journey
        ),
    }
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), path)


@pytest.mark.parametrize("path", get_paths())
def test_every_get_endpoint_answers_what_the_schema_says(client, world, path):
    response = client.get(concrete(path, world))

    assert response.status_code == 200, response.content[:300]
    assert_conforms(path, "get", response)


def test_a_journey_never_published_conforms_with_its_null_current_version(client, world):
    for path, url in [
        ("/api/journeys/", "/api/journeys/"),
        ("/api/journeys/{id}/", f"/api/journeys/{world['draft'].pk}/"),
    ]:
        response = client.get(url)

        assert_conforms(path, "get", response)
    assert client.get(f"/api/journeys/{world['draft'].pk}/").json()["current_version"] is None


def test_duplicate_and_update_answer_what_the_schema_says(client, world):
    duplicate = client.post(f"/api/journeys/{world['journey'].pk}/duplicate/")
    update = client.patch(
        f"/api/journeys/{world['draft'].pk}/", json.dumps({"name": "Renamed"}), content_type="application/json"
    )

    assert (duplicate.status_code, update.status_code) == (201, 200)
    assert_conforms("/api/journeys/{id}/duplicate/", "post", duplicate)
    assert_conforms("/api/journeys/{id}/", "patch", update)
    assert duplicate.json()["current_version"] is None


def test_publish_and_its_refusal_answer_what_the_schema_says(client, world):
    url = f"/api/journeys/{world['journey'].pk}/publish/"
    services.journey_update(journey=world["journey"], settings={})

    published = client.post(url, "{}", content_type="application/json")
    refused = client.post(url, "{}", content_type="application/json")

    assert (published.status_code, refused.status_code) == (200, 409)
    assert_conforms("/api/journeys/{id}/publish/", "post", published)
    assert_conforms("/api/journeys/{id}/publish/", "post", refused)


def test_the_schema_gives_a_split_no_next_port_and_says_its_ports_come_from_its_variants(client):
    split = next(kind for kind in client.get("/api/node-types/").json() if kind["kind"] == "split")

    assert (split["ports"], split["dynamic_ports"], split["port_field"]) == ([], True, "variants")
