from urllib.parse import parse_qs

import orjson
import pytest

from journeys.delivery.channels.sms import twilio_signature
from journeys.models import Event
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.delivery.peers import HttpPeer
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def twilio_answer(body: bytes) -> bytes:
    form = parse_qs(body.decode())
    return orjson.dumps({"sid": "SM" + form["To"][0][-4:] + "abc", "status": "queued"})


@pytest.fixture
def sms_provider(settings):
    with HttpPeer(responses=[(201, twilio_answer)], honour_idempotency=True) as peer:
        settings.DELIVERY_PROVIDERS = {
            **settings.DELIVERY_PROVIDERS,
            "sms": "journeys.delivery.providers.TwilioSmsProvider",
        }
        settings.SMS_API_URL = peer.url
        settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC123", "secret-token", "+15550001111"
        yield peer


def test_a_text_goes_to_the_provider_as_a_twilio_style_form_and_its_id_is_stored(source, sms_provider):
    make_customer(external_id="ada", phone="+447700900123", consent={"sms": True}, attributes={"first_name": "Ada"})
    message_journey("send_sms", {"body": "Hi {{ customer.first_name }}, your code is {{ event.properties.code }}"})
    enter(source, "ada", properties={"code": "4242"})

    send_all()

    [request] = sms_provider.requests
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["Authorization"] == "Basic QUMxMjM6c2VjcmV0LXRva2Vu"  # AC123:secret-token
    form = parse_qs(request.body.decode())
    assert form == {
        "To": ["+447700900123"],
        "From": ["+15550001111"],
        "Body": ["Hi Ada, your code is 4242"],
        "StatusCallback": ["https://journeys.example.com/v1/callbacks/sms/"],
    }
    delivery = delivery_of("ada")
    assert (delivery.status, delivery.provider_message_id) == ("sent", "SM0123abc")
    assert request.headers["Idempotency-Key"] == f"cjo-delivery-{delivery.id}"


def test_a_customer_without_a_phone_number_is_skipped_with_the_reason(source, sms_provider):
    make_customer(external_id="ada", consent={"sms": True})
    message_journey("send_sms", {"body": "Hi"})
    enter(source, "ada")

    send_all()

    delivery = delivery_of("ada")
    assert (delivery.status, delivery.skip_reason, delivery.error) == (
        "skipped",
        "no_address",
        "the customer has no phone number",
    )
    assert sms_provider.requests == []


def test_a_signed_status_callback_marks_the_text_delivered_and_records_an_event(source, sms_provider, client):
    make_customer(external_id="ada", phone="+447700900123", consent={"sms": True})
    message_journey("send_sms", {"body": "Hi"})
    enter(source, "ada")
    send_all()
    form = {"MessageSid": "SM0123abc", "MessageStatus": "delivered", "AccountSid": "AC123"}
    url = "https://journeys.example.com/v1/callbacks/sms/"

    forged = client.post("/v1/callbacks/sms/", form, HTTP_X_TWILIO_SIGNATURE="bm9wZQ==")
    signed = client.post(
        "/v1/callbacks/sms/", form, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, form, "secret-token")
    )

    assert (forged.status_code, signed.status_code) == (401, 204)
    delivery = delivery_of("ada")
    assert delivery.status == "delivered" and delivery.delivered_at is not None
    assert Event.objects.get(customer__external_id="ada", name="SMS Delivered").properties["delivery_id"] == delivery.id


def test_the_console_provider_is_the_default_and_still_records_the_send(source, settings):
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "journeys.delivery.providers.ConsoleSmsProvider",
    }
    make_customer(external_id="ada", phone="+15550002222", consent={"sms": True})
    message_journey("send_sms", {"body": "Hi"})
    enter(source, "ada")

    send_all()

    delivery = delivery_of("ada")
    assert delivery.status == "sent" and delivery.provider_message_id == f"console-cjo-delivery-{delivery.id}"


def test_a_stop_reply_opts_the_number_out_of_every_text_and_start_lifts_it(source, sms_provider, client):
    make_customer(external_id="ada", phone="+447700900123", consent={"sms": True})
    message_journey("send_sms", {"body": "Your code", "transactional": True})
    url = "https://journeys.example.com/v1/callbacks/sms/inbound/"

    def reply(body):
        form = {"From": "+447700900123", "Body": body}
        signature = twilio_signature(url, form, "secret-token")
        return client.post("/v1/callbacks/sms/inbound/", form, HTTP_X_TWILIO_SIGNATURE=signature)

    assert client.post("/v1/callbacks/sms/inbound/", {"From": "+447700900123", "Body": "STOP"}).status_code == 401
    assert reply(" Stop ").status_code == 204
    enter(source, "ada")
    send_all()
    assert (delivery_of("ada").status, delivery_of("ada").skip_reason) == ("skipped", "unsubscribed")

    assert reply("START").status_code == 204
    message_journey("send_sms", {"body": "Another code", "transactional": True}, event="Again")
    enter(source, "ada", event="Again")
    send_all()
    assert len(sms_provider.requests) == 1


def test_closing_the_sms_provider_closes_the_connections_its_send_threads_opened(sms_provider, monkeypatch):
    # The worker sends from a pool of threads and closes the provider from its own thread;
    # a connection left open per send thread would leak one socket per batch.
    from concurrent.futures import ThreadPoolExecutor

    from journeys.delivery import net
    from journeys.delivery.providers import OutgoingMessage, TwilioSmsProvider

    closed = []
    original = net.ConnectionCache.close
    monkeypatch.setattr(net.ConnectionCache, "close", lambda self: closed.append(self) or original(self))
    provider = TwilioSmsProvider()
    message = OutgoingMessage(
        delivery_id=1, idempotency_key="k-1", customer_id=1, to="+447700900123", parts={"body": "hi"}
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(provider.send, message).result() == "SM0123abc"

    provider.close()

    assert len(closed) == 1
