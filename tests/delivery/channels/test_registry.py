"""The channel registry: every registered channel works through the templates API, previews and the
worker, and a channel is a module of its own (a temporary one, registered here, needs nothing else)."""

import importlib
from contextlib import contextmanager

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from journeys import nodes
from journeys.delivery import channels, previews
from journeys.delivery.channels.base import Channel, require
from journeys.delivery.providers import Provider
from journeys.delivery.rendering import render_string
from journeys.models import MessageTemplate
from journeys.nodes.messages import MessageConfig, SendNode
from journeys.roles import MARKETERS
from tests.delivery.helpers import ChannelPeer, delivery_of, enter, message_journey, send_all
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


class Loft(Provider):
    """A provider that keeps what it is given."""

    sent: list = []

    def send(self, message) -> str:
        Loft.sent.append(message)
        return f"pigeon-{message.delivery_id}"


class Pigeon(Channel):
    name, label = "pigeon", "Carrier pigeon"
    needs_consent = False
    inline_fields = ("body",)
    template_fields = ("body",)
    sample_template = {"body": "Coo, {{ customer.id }}"}
    default_provider = f"{__name__}.Loft"

    def content_source(self, config: dict, template) -> dict:
        return {"body": template.body if template is not None else config.get("body", "")}

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        body = render_string(source["body"], context).strip()
        require(bool(body), "the note is empty")
        return {"body": body}


class PigeonConfig(MessageConfig):
    channel = "pigeon"

    template = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    body = serializers.CharField(required=False, allow_blank=True)


class SendPigeon(SendNode):
    kind, label, channel = "test_send_pigeon", "Send a pigeon", "pigeon"
    Config = PigeonConfig


@pytest.fixture
def pigeon():
    channels.register(Pigeon)
    nodes.register(SendPigeon)
    Loft.sent.clear()
    yield channels.get("pigeon")
    channels._registry.pop(Pigeon.name, None)
    nodes._registry.pop(SendPigeon.kind)


@contextmanager
def loft(settings):
    yield ChannelPeer(customer={}, config={}, received=lambda: len(Loft.sent))


def builtin_peer(name: str):
    """The channel's peer from its own test module: a registered channel without one fails here."""
    return importlib.import_module(f"tests.delivery.channels.test_{name}").peer


def send_node_kind(name: str) -> str:
    [kind] = [node_type.kind for node_type in nodes.all_types() if getattr(node_type, "channel", None) == name]
    return kind


def works_end_to_end(name: str, peer, settings, source) -> None:
    """The channel's sample template is made and previewed through the API and sent by the worker."""
    channel = channels.get(name)
    marketer = APIClient()
    marketer.force_authenticate(make_user(role=MARKETERS))

    created = marketer.post(
        "/api/templates/", {"name": f"{name} sample", "channel": name, **channel.sample_template}, format="json"
    )
    assert created.status_code == 201, created.json()
    template = MessageTemplate.objects.get(id=created.json()["id"])
    shown = marketer.post(f"/api/templates/{template.id}/preview/", {}, format="json")
    assert shown.status_code == 200, shown.json()
    parts = previews.template_preview(template=template, customer=None)
    assert parts == shown.json() and any(parts.values())

    with peer(settings) as receiver:
        make_customer(external_id="ada", **receiver.customer)
        message_journey(send_node_kind(name), {"template": template.id, **receiver.config})
        enter(source, "ada", properties={"order_id": "A-1"})
        send_all()

        delivery = delivery_of("ada")
        assert (delivery.status, delivery.error) == ("sent", "")
        assert delivery.channel == name and delivery.template_id == template.id and delivery.rendered
        assert receiver.received() == 1


@pytest.mark.parametrize("name", channels.names())
def test_every_registered_channel_works_through_the_templates_api_previews_and_the_worker(name, settings, source):
    works_end_to_end(name, builtin_peer(name), settings, source)


def test_a_channel_module_alone_makes_a_working_channel(pigeon, settings, source):
    assert "pigeon" not in settings.DELIVERY_PROVIDERS  # the channel's default provider is enough
    works_end_to_end("pigeon", loft, settings, source)

    [message] = Loft.sent
    assert message.to == "ada" and message.parts == {"body": "Coo, ada"}


def test_the_template_admin_offers_registered_channels_and_starts_from_their_sample(pigeon, admin_client):
    page = admin_client.get(reverse("admin:journeys_messagetemplate_add") + "?channel=pigeon").content.decode()

    assert '<option value="pigeon" selected>Carrier pigeon</option>' in page
    assert "Coo, {{ customer.id }}" in page


def test_a_queued_message_whose_channel_is_gone_fails_instead_of_waiting_forever(pigeon, source):
    make_customer(external_id="ada")
    message_journey(SendPigeon.kind, {"body": "Coo"})
    enter(source, "ada")
    channels._registry.pop(Pigeon.name)

    send_all()

    delivery = delivery_of("ada")
    assert delivery.status == "failed" and "no provider is configured for channel 'pigeon'" in delivery.error
    assert Loft.sent == []


def test_two_channels_cannot_claim_one_name():
    class Impostor(Pigeon):
        name = "email"

    with pytest.raises(ValueError, match="'email'"):
        channels.register(Impostor)
    assert type(channels.get("email")).__name__ == "Email"


def test_events_are_named_after_the_channel_label_and_unknown_channels_by_their_name():
    assert channels.label("sms") == "SMS" and channels.label("in_app") == "In-App Message"
    assert channels.label("carrier") == "carrier"
    assert [name for name in channels.names() if channels.needs_consent(name)] == ["email", "in_app", "sms"]
