"""While the database cannot be used: /v1 answers 429 and /api 503, in JSON with Retry-After.

The errors are injected where the views meet the database (a selector, the ingestion service,
the write-key lookup); tests/api/test_db_restart.py stops a real server.
"""

import json

import django.db
import psycopg
import pytest
from django.test import Client
from psycopg_pool import PoolTimeout

from journeys import roles, selectors
from journeys.db_unavailable import is_database_unavailable
from journeys.ingest import views as ingest_views
from tests.factories import logged_in, make_source

pytestmark = pytest.mark.django_db

WRITE_KEY = "down-write-key"


def refused() -> django.db.OperationalError:
    """What Django raises when PostgreSQL refuses the connection: its wrapper around psycopg's."""
    try:
        try:
            raise psycopg.OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
        except psycopg.OperationalError as error:
            raise django.db.OperationalError(*error.args) from error
    except django.db.OperationalError as wrapped:
        return wrapped


def failing(error: BaseException):
    def fail(*args, **kwargs):
        raise error

    return fail


def send_batch(client: Client | None = None):
    body = {"writeKey": WRITE_KEY, "batch": [{"type": "track", "userId": "ada", "event": "Signed Up"}]}
    return (client or Client()).post("/v1/batch", json.dumps(body), content_type="application/json")


@pytest.fixture
def source():
    return make_source(write_key=WRITE_KEY)


@pytest.mark.parametrize(
    "error",
    [refused(), django.db.InterfaceError("connection already closed"), PoolTimeout("no connection in 10 s")],
    ids=["refused", "interface-error", "pool-timeout"],
)
def test_ingestion_answers_429_in_json_with_retry_after_when_the_database_is_unavailable(source, monkeypatch, error):
    monkeypatch.setattr(ingest_views, "events_ingest", failing(error))

    response = send_batch()

    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["success"] is False


def test_ingestion_answers_429_when_the_write_key_lookup_finds_the_database_gone(monkeypatch):
    monkeypatch.setattr(ingest_views, "source_id_for_write_key", failing(django.db.InterfaceError("closed")))

    response = send_batch()

    assert (response.status_code, response["Retry-After"]) == (429, "2")


@pytest.mark.parametrize(
    "error",
    [refused(), django.db.InterfaceError("connection already closed"), PoolTimeout("no connection in 10 s")],
    ids=["refused", "interface-error", "pool-timeout"],
)
def test_the_journey_api_answers_503_in_json_with_retry_after_when_the_database_is_unavailable(monkeypatch, error):
    client = logged_in(roles.MARKETERS)
    monkeypatch.setattr(selectors, "journeys_list", failing(error))

    response = client.get("/api/journeys/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {"detail": "the database is unavailable; retry later"}


def test_other_errors_stay_server_errors(monkeypatch):
    client = logged_in(roles.MARKETERS)
    client.raise_request_exception = False
    monkeypatch.setattr(selectors, "journeys_list", failing(ValueError("a bug")))

    response = client.get("/api/journeys/")

    assert response.status_code == 500


def test_pages_outside_the_apis_are_left_to_django(monkeypatch):
    client = logged_in(roles.MARKETERS)
    monkeypatch.setattr(selectors, "journeys_list", failing(refused()))

    with pytest.raises(django.db.OperationalError):
        client.get("/journeys/")


def test_an_error_raised_while_handling_a_database_error_still_counts():
    try:
        try:
            raise psycopg.InterfaceError("the connection is closed")
        except psycopg.InterfaceError:
            raise RuntimeError("cleanup failed") from None
    except RuntimeError as error:
        suppressed = error
    try:
        try:
            raise psycopg.InterfaceError("the connection is closed")
        except psycopg.InterfaceError:
            raise RuntimeError("cleanup failed")  # noqa: B904 - the implicit context is the point
    except RuntimeError as error:
        chained = error

    assert (is_database_unavailable(suppressed), is_database_unavailable(chained)) == (False, True)
    assert not is_database_unavailable(django.db.IntegrityError("duplicate key"))
