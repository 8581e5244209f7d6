"""Per-node message outcome counters: queued, sent, delivered, opened, clicked, failed, skipped and held by reason."""

from datetime import UTC, datetime

import pytest

from journeys.models import Delivery, NodeStat
from journeys.selectors import node_counters
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

EMAIL = {"subject": "News", "body": "<p>Hello</p>"}


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def outcomes(journey, node_id="message") -> dict[str, int]:
    counted: dict[str, int] = {}
    for metric, value in NodeStat.objects.filter(journey=journey, node_id=node_id).values_list("metric", "value"):
        if metric.startswith("delivery:"):
            counted[metric.removeprefix("delivery:")] = counted.get(metric.removeprefix("delivery:"), 0) + value
    return counted


def callback(client, body):
    response = client.post(
        "/v1/callbacks/email/", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer callback-token"
    )
    assert response.status_code == 200, response.content


def test_a_send_node_counts_what_it_queued_sent_and_skipped_by_reason(source):
    make_customer(external_id="yes", email="yes@example.com", consent={"email": "subscribed"})
    make_customer(external_id="never-asked", email="never@example.com")
    make_customer(external_id="no-address", consent={"email": "subscribed"})
    journey = message_journey("send_email", EMAIL)

    enter(source, "yes", "never-asked", "no-address")
    assert outcomes(journey) == {"queued": 3}
    send_all()

    assert outcomes(journey) == {
        "queued": 3,
        "sent": 1,
        "skipped": 2,
        "skipped:no_consent": 1,
        "skipped:no_address": 1,
    }


def test_delivered_opened_and_clicked_are_counted_once_however_often_the_provider_repeats(source, client):
    make_customer(external_id="ada", email="ada@example.com", consent={"email": "subscribed"})
    journey = message_journey("send_email", EMAIL)
    enter(source, "ada")
    send_all()
    delivery_id = delivery_of("ada").id

    for _ in range(2):
        callback(client, {"delivery_id": delivery_id, "event": "delivered"})
        callback(client, {"delivery_id": delivery_id, "event": "clicked", "url": "https://shop.example/a"})
        callback(client, {"delivery_id": delivery_id, "event": "opened"})

    counted = outcomes(journey)
    assert (counted["delivered"], counted["opened"], counted["clicked"]) == (1, 1, 1)
    # The canvas reads them as it reads every node counter.
    assert node_counters(journey.id)["message"]["delivery:clicked"] == 1


def test_a_message_held_by_quiet_hours_is_counted_once_not_at_every_batch_that_finds_it_still_quiet(source, settings):
    settings.DELIVERY_QUIET_HOURS = "00:00-23:59"
    settings.DELIVERY_QUIET_HOURS_CHANNELS = ["email"]
    make_customer(external_id="ada", email="ada@example.com", consent={"email": "subscribed"}, timezone="UTC")
    journey = message_journey("send_email", EMAIL)
    enter(source, "ada")
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    send_all(now=now)
    Delivery.objects.update(not_before=now)  # due again while still quiet
    send_all(now=now)

    assert delivery_of("ada").status == "queued"
    assert outcomes(journey) == {"queued": 1, "held:quiet_hours": 1}


def test_under_an_opt_out_policy_customers_never_asked_get_marketing(source, settings):
    settings.CONSENT_POLICY = "email:opt_out"
    make_customer(external_id="never-asked", email="never@example.com")
    make_customer(external_id="refused", email="refused@example.com", consent={"email": "unsubscribed"})
    journey = message_journey("send_email", EMAIL)

    enter(source, "never-asked", "refused")
    send_all()

    assert (delivery_of("never-asked").status, delivery_of("refused").skip_reason) == ("sent", "no_consent")
    assert outcomes(journey)["sent"] == 1 and outcomes(journey)["skipped:no_consent"] == 1
