"""Property-based fuzzing of the whole HTTP API from its OpenAPI schema: no input may cause a 5xx.

Schemathesis generates valid and invalid requests for every operation drf-spectacular
describes, plus /v1 ingestion (plain Django views, so described below by hand), and sends
them in-process through Django's WSGI handler, inside the test's transaction. It checks only
that the server never answers 5xx; whether responses match the schema is checked elsewhere.
"""

import base64
import json
import zlib
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from journeys import roles
from journeys.management.commands.seed_demo import DEMO_WRITE_KEY
from journeys.models import MessageTemplate
from tests.factories import make_api_token, make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.django_db

# Per operation; for the forty-odd operations, about a minute in all on two shared cores.
EXAMPLES_PER_OPERATION = 12

MESSAGE = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["track", "identify", "page", "screen", "group", "alias"]},
        "userId": {"type": "string"},
        "anonymousId": {"type": "string"},
        "previousId": {"type": "string"},
        "groupId": {"type": "string"},
        "messageId": {"type": "string"},
        "event": {"type": "string"},
        "name": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "properties": {"type": "object"},
        "traits": {"type": "object"},
        "context": {"type": "object"},
    },
}


def ingest_operation(body_schema: dict) -> dict:
    return {
        "post": {
            "operationId": None,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}},
            "responses": {"200": {"description": "Accepted"}, "400": {"description": "Refused"}},
        }
    }


def ingest_paths() -> dict:
    """The Segment-compatible endpoints, /v1/batch and one per message type."""
    batch = {
        "type": "object",
        "properties": {
            "batch": {"type": "array", "items": MESSAGE},
            "context": {"type": "object"},
            "sentAt": {"type": "string", "format": "date-time"},
        },
    }
    paths = {"/v1/batch": ingest_operation(batch)}
    for message_type in MESSAGE["properties"]["type"]["enum"]:
        paths[f"/v1/{message_type}"] = ingest_operation(MESSAGE)
    for path, operation in paths.items():
        operation["post"]["operationId"] = "ingest_" + path.rsplit("/", 1)[1]
    return paths


def load_schema():
    """The schema drf-spectacular serves at /api/schema/, plus /v1, to be sent to Django in-process."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))
    raw["paths"].update(ingest_paths())
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture
def in_process(settings):
    """Serve through the WSGI handler without it closing the test's connection after each request.

    Django's own test client does the same; closing would end the transaction the test runs in.
    """
    # Schemathesis's WSGI client calls the server `localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(in_process):
    """Rows for the generated ids to find, so requests reach past the 404 into the code behind it."""
    admin = make_user(role=roles.ADMINS)
    journey = make_journey(
        graph=make_graph(
            [node("start", "api_trigger", label="Signed up"), node("done", "exit")], [("start", "next", "done")]
        )
    )
    template = MessageTemplate.objects.create(name="Hello", channel="sms", body="Hello")
    make_source(write_key=DEMO_WRITE_KEY)
    return {
        "token": make_api_token(admin),
        "ids": {"id": journey.pk, "journey_id": journey.pk, "node_id": "start", "template_id": template.pk},
    }


schema = load_schema()

# --- hostile input, mixed into what Schemathesis generates

# Hypothesis seldom draws these by chance, and each one used to answer 500 somewhere.
DEEP = 100  # past journeys.input.MAX_DEPTH, still within what the JSON encoder sending it can nest
HUGE = 10**400  # infinity as a double; the client refuses to send a real infinity
SPOILERS = {
    "nul": lambda text: f"{text}\x00",
    "surrogate": lambda text: f"{text}\ud800",
}


@dataclass(frozen=True)
class Key:
    """A spot that is a dict's key rather than its value."""

    name: str


def spots(value, path=()) -> list[tuple]:
    """Every place in a JSON value that can be spoiled: the value itself, each item, each key."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*path, Key(key)))
            found.extend(spots(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(spots(child, (*path, index)))
    return found


def spoil(value, path: tuple, kind: str):
    """A copy of `value` with the thing at `path` made hostile in the way `kind` names."""
    if not path:
        if kind == "deep":
            for _ in range(DEEP):
                value = [value]
            return value
        if kind == "huge":
            return HUGE
        return SPOILERS[kind](value if isinstance(value, str) else "")
    first, rest = path[0], path[1:]
    if isinstance(first, Key):
        renamed = SPOILERS.get(kind, SPOILERS["nul"])(first.name)
        return {renamed if key == first.name else key: child for key, child in value.items()}
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[first] = spoil(value[first], rest, kind)
    return copy


def sometimes_spoiled(value, kinds, *, whole=True, keys=True) -> st.SearchStrategy:
    """The value as generated, or with one hostile change; `whole` and `keys` allow those spots too."""
    places = [path for path in spots(value) if (path or whole) and (keys or not any(isinstance(p, Key) for p in path))]
    if not places:
        return st.just(value)
    spoiled = st.tuples(st.sampled_from(places), st.sampled_from(kinds)).map(lambda choice: spoil(value, *choice))
    return st.one_of(st.just(value), spoiled)


@schema.hook("flatmap_body")
def hostile_body(context, body):
    if not isinstance(body, dict | list):
        return st.just(body)
    return sometimes_spoiled(body, ["nul", "surrogate", "deep", "huge"])


@schema.hook("flatmap_query")
def hostile_query(context, query):
    # A URL carries no lone surrogate (Django decodes it with replacement), so NUL only.
    return sometimes_spoiled(query, ["nul"], whole=False)


@schema.hook("flatmap_path_parameters")
def hostile_path(context, path_parameters):
    # Names stay: the path template needs each one.
    return sometimes_spoiled(path_parameters, ["nul"], whole=False, keys=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,  # no .hypothesis folder in the checkout; every run starts fresh
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_server_fail(case, world):
    if case.path.startswith("/v1/"):
        headers = {"Authorization": "Basic " + base64.b64encode(f"{DEMO_WRITE_KEY}:".encode()).decode()}
    else:
        headers = {"Authorization": f"Token {world['token']}"}
        # Half the time aim at the rows that exist, so the checks after the lookup get exercised.
        for name in case.path_parameters or {}:
            if name in world["ids"] and zlib.crc32(repr((case.body, case.query)).encode()) % 2 == 0:
                case.path_parameters[name] = world["ids"][name]
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
