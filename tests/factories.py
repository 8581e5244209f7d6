"""Plain keyword-only builders for test data."""

import itertools
import socket
from urllib.parse import quote

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from journeys.models import AnonymousId, ApiToken, Customer, Event, Source

_sequence = itertools.count(1)


def make_source(*, name: str | None = None, write_key: str | None = None, is_active: bool = True) -> Source:
    source = Source(name=name or f"Source {next(_sequence)}", is_active=is_active)
    source.set_write_key(write_key or f"test-write-key-{next(_sequence)}")
    source.save()
    return source


def make_customer(*, external_id: str | None = None, anonymous_ids=(), **fields) -> Customer:
    customer = Customer.objects.create(external_id=external_id, **fields)
    for anonymous_id in anonymous_ids:
        AnonymousId.objects.create(anonymous_id=anonymous_id, customer=customer)
    return customer


def make_event(*, customer: Customer, source: Source, name: str = "Product Viewed", **fields) -> Event:
    from django.utils import timezone

    now = timezone.now()
    fields.setdefault("type", "track")
    fields.setdefault("timestamp", now)
    fields.setdefault("received_at", now)
    fields.setdefault("message_id", f"msg-{next(_sequence)}")
    return Event.objects.create(customer=customer, source=source, name=name, **fields)


def make_user(*, username: str | None = None, role: str | None = None, password: str = "pw", **fields) -> User:
    user = User.objects.create_user(username=username or f"user{next(_sequence)}", password=password, **fields)
    if role:
        # get_or_create: transactional tests flush the groups that migration 0002 created.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_api_token(user: User) -> str:
    """A new API token for the user: the key, which only this return value holds."""
    return ApiToken.objects.create(user=user)[1]


def logged_in(role: str | None, **client_options) -> Client:
    """A test client signed in as a new user with `role` (None: a user without any role)."""
    client = Client(**client_options)
    client.force_login(make_user(role=role))
    return client


def node(node_id: str, kind: str, config: dict | None = None, *, label: str = "") -> dict:
    return {
        "id": node_id,
        "type": "journey",
        "position": {"x": 0, "y": 0},
        "data": {"kind": kind, "label": label, "config": config or {}},
    }


def edge(source: str, port: str | None, target: str) -> dict:
    return {"id": f"{source}-{port}-{target}", "source": source, "sourceHandle": port, "target": target}


def make_graph(nodes: list[dict], edges: list[tuple]) -> dict:
    """A graph from node dicts (see `node`) and (source, port, target) triples."""
    return {"nodes": nodes, "edges": [edge(*triple) for triple in edges]}


def make_journey(*, graph: dict, settings: dict | None = None, name: str | None = None, publish: bool = True):
    """A journey with this draft graph; published (and so live) unless told otherwise."""
    from journeys import services

    journey = services.journey_create(name=name or f"Journey {next(_sequence)}", graph=graph, settings=settings)
    if publish:
        services.journey_publish(journey=journey)
        journey.refresh_from_db()
    return journey


def database_url() -> str:
    """DATABASE_URL for a child process to reach the test database, also over a socket directory."""
    db = connection.settings_dict
    port = f":{db['PORT']}" if db["PORT"] else ""
    # The embedded server is reached through a socket directory, a path: percent-encoded as the host.
    return f"postgres://{db['USER']}@{quote(db['HOST'] or 'localhost', safe='')}{port}/{db['NAME']}"


def free_port() -> int:
    """A loopback port nothing listens on right now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
