"""The SMS channel's own rules, and its peer for the shared channel tests."""

from contextlib import contextmanager
from urllib.parse import parse_qs

import orjson
import pytest

from journeys.delivery import channels
from journeys.delivery.channels.sms import reply_record, twilio_signature
from journeys.delivery.content import render_context
from journeys.delivery.rendering import RenderError
from journeys.models import Suppression
from tests.delivery.helpers import ChannelPeer
from tests.delivery.peers import HttpPeer
from tests.factories import make_customer

SMS = channels.get("sms")
ADA = {"id": 7, "external_id": "ada", "email": "ada@example.com", "phone": "+15550001", "attributes": {}}


def twilio_answer(body: bytes) -> bytes:
    return orjson.dumps({"sid": "SM" + parse_qs(body.decode())["To"][0][-4:]})


@contextmanager
def peer(settings):
    with HttpPeer(responses=[(201, twilio_answer)]) as api:
        twilio = "journeys.delivery.providers.TwilioSmsProvider"
        settings.DELIVERY_PROVIDERS = {**settings.DELIVERY_PROVIDERS, "sms": twilio}
        settings.SMS_API_URL = api.url
        settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC123", "secret-token", "+15550001111"
        yield ChannelPeer(
            customer={"phone": "+447700900123", "consent": {"sms": True}},
            config={},
            received=lambda: len(api.requests),
        )


def test_a_text_goes_to_the_profile_phone_and_needs_one():
    assert SMS.recipient(ADA, {}) == "+15550001"
    assert SMS.recipient({**ADA, "phone": None}, {}) == ""
    assert SMS.address_kind == "phone number"


def test_marketing_texts_need_an_explicit_yes():
    assert SMS.consented({"sms": True}) and not SMS.consented({"sms": None}) and not SMS.consented(None)


def test_a_template_needs_a_body_and_an_empty_text_is_not_sent():
    assert SMS.template_errors({"subject": "x"}) == {"body": "required for this channel"}
    assert SMS.content_source({"body": "Hi {{ customer.id }}"}, None) == {"body": "Hi {{ customer.id }}"}
    assert SMS.render_parts({"body": "Hi {{ customer.id }}"}, render_context(customer=ADA)) == {"body": "Hi ada"}
    with pytest.raises(RenderError, match="empty"):
        SMS.render_parts({"body": "{{ customer.nothing }} "}, render_context(customer=ADA))


def test_the_provider_is_told_where_to_report_status_only_when_callbacks_are_accepted(settings):
    settings.PUBLIC_URL = "https://journeys.example.com"
    settings.DELIVERY_CALLBACK_TOKEN = "token"
    _, _, config = SMS.outgoing(delivery_id=1, parts={}, source={}, config={"body": "x"}, unsubscribe_url="")
    assert config == {"body": "x", "status_callback": "https://journeys.example.com/v1/callbacks/sms/"}

    settings.DELIVERY_CALLBACK_TOKEN = ""
    _, _, config = SMS.outgoing(delivery_id=1, parts={}, source={}, config={"body": "x"}, unsubscribe_url="")
    assert config == {"body": "x"}


def test_test_sends_go_to_phone_numbers_only():
    SMS.check_address("+44 7700 900123")
    with pytest.raises(ValueError):
        SMS.check_address("ada@example.com")


def test_callback_signatures_sort_the_form_and_cover_every_value():
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    signature = twilio_signature("https://example.com/hook", params, "token")

    assert signature == twilio_signature("https://example.com/hook", dict(reversed(params.items())), "token")
    assert signature != twilio_signature("https://example.com/hook", {**params, "MessageStatus": "failed"}, "token")
    assert signature != twilio_signature("https://example.com/other", params, "token")


def test_the_channel_answers_its_callback_urls():
    assert [pattern.name for pattern in SMS.urls()] == ["callback-sms", "callback-sms-inbound"]


@pytest.mark.django_db
def test_stop_opts_the_number_out_of_every_text_and_start_lifts_only_that():
    customer = make_customer(external_id="ada", phone="+15550001", consent={"sms": True})

    assert reply_record(phone="+15550001", body=" Stop ") == 1
    assert Suppression.objects.filter(customer=customer, channel="sms", scope="all").exists()
    assert reply_record(phone="+15550001", body="start") == 1
    assert not Suppression.objects.filter(customer=customer).exists()
