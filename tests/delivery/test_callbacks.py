import pytest

from journeys.models import Delivery, Event
from tests.delivery.helpers import delivery_of, enter, send_all
from tests.engine.helpers import enrollment_of, path_of, run
from tests.factories import make_customer, make_graph, make_journey, node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def open_then_follow_up_journey():
    """Signed Up -> email -> wait up to a day for Email Opened -> matched: thanks / timeout: reminder."""
    return make_journey(
        graph=make_graph(
            [
                node("trigger", "event_trigger", {"event": "Signed Up"}),
                node("email", "send_email", {"subject": "Welcome", "body": "<p>Hi</p>"}),
                node("wait", "wait_for_event", {"event": "Email Opened", "timeout_seconds": 86400}),
                node("thanks", "exit", {"reason": "opened"}),
                node("reminder", "exit", {"reason": "never opened"}),
            ],
            [
                ("trigger", "next", "email"),
                ("email", "next", "wait"),
                ("wait", "matched", "thanks"),
                ("wait", "timeout", "reminder"),
            ],
        )
    )


def callback(client, body, token="callback-token"):
    return client.post(
        "/v1/callbacks/email/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_an_open_reported_by_the_provider_moves_a_customer_waiting_for_it(source, client):
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    journey = open_then_follow_up_journey()
    enter(source, "ada")
    send_all()
    assert enrollment_of(journey, "ada").node_id == "wait"
    delivery = delivery_of("ada")

    response = callback(client, {"events": [{"message_id": delivery.provider_message_id, "event": "opened"}]})
    run()

    assert response.status_code == 200 and response.json()["accepted"] == 1
    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "exited" and enrollment.exit_reason == "opened"
    assert ("wait", "passed", "matched") in path_of(enrollment)
    opened = Event.objects.get(customer__external_id="ada", name="Email Opened")
    assert opened.properties["delivery_id"] == delivery.id and opened.properties["journey_id"] == journey.id


def test_delivered_then_opened_updates_the_row_and_repeats_make_no_second_event(source, client):
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    open_then_follow_up_journey()
    enter(source, "ada")
    send_all()
    delivery_id = delivery_of("ada").id

    callback(client, {"delivery_id": delivery_id, "event": "delivered", "timestamp": "2026-01-02T03:04:05Z"})
    callback(client, {"delivery_id": delivery_id, "event": "opened"})
    callback(client, {"delivery_id": delivery_id, "event": "opened"})

    delivery = Delivery.objects.get(id=delivery_id)
    assert delivery.status == "delivered" and delivery.delivered_at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert delivery.opened_at is not None
    names = list(
        Event.objects.filter(customer__external_id="ada").exclude(name="Signed Up").values_list("name", flat=True)
    )
    assert sorted(names) == ["Email Delivered", "Email Opened"]


def test_callbacks_need_the_token_and_report_unknown_deliveries(source, client, settings):
    assert callback(client, {"delivery_id": 1, "event": "opened"}, token="wrong").status_code == 401
    assert client.post("/v1/callbacks/email/", {}, content_type="application/json").status_code == 401
    response = callback(client, [{"delivery_id": 99999, "event": "opened"}, {"event": "exploded"}])
    assert response.status_code == 400 or response.json()["accepted"] == 0
    settings.DELIVERY_CALLBACK_TOKEN = ""
    assert callback(client, {"delivery_id": 1, "event": "opened"}, token="").status_code == 401
