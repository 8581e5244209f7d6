"""The in-app channel's own rules, and its peer for the shared channel tests."""

from contextlib import contextmanager

import pytest

from journeys.delivery import channels
from journeys.delivery.content import render_context
from journeys.delivery.rendering import RenderError
from journeys.models import InAppMessage
from tests.delivery.helpers import ChannelPeer
from tests.factories import make_customer

IN_APP = channels.get("in_app")
ADA = {"id": 7, "external_id": "ada", "email": "", "phone": "", "attributes": {"first_name": "Ada"}}


@contextmanager
def peer(settings):
    # The inbox is the receiver: the app reads it through /v1/in-app/messages.
    yield ChannelPeer(customer={}, config={}, received=lambda: InAppMessage.objects.count())


def test_a_message_goes_to_the_customer_themselves():
    assert IN_APP.recipient(ADA, {}) == "ada"
    assert IN_APP.recipient({**ADA, "external_id": None}, {}) == "customer #7"
    assert not IN_APP.address_kind


def test_it_is_shown_unless_the_customer_opted_out():
    assert IN_APP.needs_consent
    assert IN_APP.consented({}) and IN_APP.consented(None) and IN_APP.consented({"in_app": True})
    assert not IN_APP.consented({"in_app": False})


def test_a_template_needs_a_title_and_a_body_and_an_empty_message_is_not_shown():
    assert IN_APP.template_errors({}) == {"subject": "required for this channel", "body": "required for this channel"}
    source = IN_APP.content_source({"title": "Hi {{ customer.first_name }}", "body": "", "url": "/x"}, None)
    assert IN_APP.render_parts(source, render_context(customer=ADA)) == {"title": "Hi Ada", "body": "", "url": "/x"}
    with pytest.raises(RenderError, match="empty"):
        IN_APP.render_parts({"title": "", "body": " "}, render_context(customer=ADA))


@pytest.mark.django_db
def test_a_test_send_lands_in_the_customers_inbox_and_needs_a_customer():
    ada = make_customer(external_id="ada")
    parts = {"title": "Hi", "body": "There", "url": ""}

    provider_id = IN_APP.send_test(template_id=1, parts=parts, to="ada", customer=ada)

    stored = InAppMessage.objects.get(customer=ada)
    assert provider_id == f"in-app-{stored.id}" and stored.title == "[Test] Hi"
    with pytest.raises(ValueError, match="customer"):
        IN_APP.send_test(template_id=1, parts=parts, to="", customer=None)
    assert IN_APP.test_sends_to_customer


def test_the_channel_serves_the_inbox_api():
    assert {pattern.name for pattern in IN_APP.urls()} == {"in-app-messages", "in-app-read", "in-app-dismiss"}
