import base64
import hashlib
import hmac

import pytest

from journeys.models import Event, InAppMessage
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer, make_source

pytestmark = pytest.mark.django_db


def auth(write_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


@pytest.fixture
def app_source():
    return make_source(write_key="app-key")


def deliver(source):
    make_customer(external_id="ada", attributes={"first_name": "Ada"})
    message_journey("send_in_app", {"title": "Hello {{ customer.first_name }}", "body": "20% off today", "url": ""})
    enter(source, "ada")
    send_all()


def test_the_app_fetches_its_customers_messages_with_the_write_key(source, app_source, client):
    deliver(source)

    response = client.get("/v1/in-app/messages?userId=ada", **auth("app-key"))

    assert response.status_code == 200
    body = response.json()
    assert body["unread"] == 1
    [message] = body["messages"]
    assert (message["title"], message["body"], message["read"]) == ("Hello Ada", "20% off today", False)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert delivery_of("ada").provider_message_id == f"in-app-{message['id']}"


def test_marking_read_then_dismissed_hides_the_message_and_records_an_open(source, app_source, client):
    deliver(source)
    message_id = InAppMessage.objects.get().id

    read = client.post(f"/v1/in-app/messages/{message_id}/read?userId=ada", **auth("app-key"))
    assert read.status_code == 200 and read.json()["message"]["read"] is True
    assert client.get("/v1/in-app/messages?userId=ada", **auth("app-key")).json()["unread"] == 0
    assert Event.objects.filter(customer__external_id="ada", name="In-App Message Opened").exists()

    dismissed = client.post(
        f"/v1/in-app/messages/{message_id}/dismiss",
        {"userId": "ada"},
        content_type="application/json",
        **auth("app-key"),
    )
    assert dismissed.status_code == 200
    assert client.get("/v1/in-app/messages?userId=ada", **auth("app-key")).json()["messages"] == []


def test_a_wrong_write_key_or_another_customers_message_is_refused(source, app_source, client):
    deliver(source)
    make_customer(external_id="eve")
    message_id = InAppMessage.objects.get().id

    assert client.get("/v1/in-app/messages?userId=ada", **auth("wrong")).status_code == 401
    assert client.get("/v1/in-app/messages?userId=ada").status_code == 401
    assert client.get("/v1/in-app/messages", **auth("app-key")).status_code == 400
    stolen = client.post(f"/v1/in-app/messages/{message_id}/read?userId=eve", **auth("app-key"))
    assert stolen.status_code == 404
    assert InAppMessage.objects.get().read_at is None


def test_with_an_identity_secret_the_app_must_prove_the_user(source, app_source, client, settings):
    settings.IN_APP_IDENTITY_SECRET = "app-identity-secret"
    deliver(source)
    good = hmac.new(b"app-identity-secret", b"ada", hashlib.sha256).hexdigest()

    assert client.get("/v1/in-app/messages?userId=ada", **auth("app-key")).status_code == 401
    assert client.get(f"/v1/in-app/messages?userId=ada&userHash={'0' * 64}", **auth("app-key")).status_code == 401
    assert client.get(f"/v1/in-app/messages?userId=ada&userHash={good}", **auth("app-key")).status_code == 200


def test_an_opt_out_from_in_app_messages_is_honoured(source, app_source):
    make_customer(external_id="ada", consent={"in_app": False})
    message_journey("send_in_app", {"title": "Hi", "body": "Offer"})
    enter(source, "ada")

    send_all()

    assert (delivery_of("ada").status, delivery_of("ada").skip_reason) == ("skipped", "no_consent")
    assert not InAppMessage.objects.exists()


def test_a_browser_app_may_call_from_its_own_origin(source, app_source, client):
    # Web apps fetch their inbox from their own site: the preflight carries no credentials and
    # every answer, errors included, must let the page read it.
    deliver(source)
    message_id = InAppMessage.objects.get().id

    for path in ("/v1/in-app/messages", f"/v1/in-app/messages/{message_id}/read"):
        preflight = client.options(path, HTTP_ORIGIN="https://app.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        assert preflight.status_code == 204
        assert preflight["Access-Control-Allow-Origin"] == "*"
        assert "Authorization" in preflight["Access-Control-Allow-Headers"]

    refused = client.get("/v1/in-app/messages?userId=ada", **auth("wrong-key"))
    assert refused.status_code == 401 and refused["Access-Control-Allow-Origin"] == "*"
    read = client.post(f"/v1/in-app/messages/{message_id}/read?userId=ada", **auth("app-key"))
    assert read.status_code == 200 and read["Access-Control-Allow-Origin"] == "*"
