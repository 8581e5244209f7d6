"""The webhook channel's own rules, and its peer for the shared channel tests."""

from contextlib import contextmanager

import pytest

from journeys.delivery import channels
from journeys.delivery.content import render_context
from tests.delivery.helpers import ChannelPeer
from tests.delivery.peers import HttpPeer

WEBHOOK = channels.get("webhook")
ADA = {"id": 7, "external_id": "ada", "email": "", "phone": "+15550001", "attributes": {"plan": "pro"}}


@contextmanager
def peer(settings):
    with HttpPeer() as receiver:
        yield ChannelPeer(customer={}, config={"url": receiver.url + "/hook"}, received=lambda: len(receiver.requests))


def test_a_webhook_goes_to_the_node_url_and_reaches_systems_so_needs_no_consent():
    assert WEBHOOK.recipient(ADA, {"url": "https://crm.example/hook"}) == "https://crm.example/hook"
    assert not WEBHOOK.needs_consent and not WEBHOOK.address_kind
    assert WEBHOOK.template_errors({}) == {}


def test_the_body_comes_from_the_template_else_the_node_and_its_strings_render():
    assert WEBHOOK.content_source({"body": {"a": 1}}, None) == {"json": {"a": 1}}
    parts = WEBHOOK.render_parts({"json": {"plan": "{{ customer.plan }}"}}, render_context(customer=ADA))
    assert parts == {"json": {"plan": "pro"}}


def test_without_a_body_the_customer_and_where_they_are_is_sent():
    parts = WEBHOOK.complete_parts(
        {"json": None},
        delivery_id=3,
        customer=ADA,
        journey={"id": 1, "name": "J"},
        node_id="hook",
        enrollment_context={"trigger": {"event": "Signed Up", "properties": {"x": 1}}},
    )
    assert parts["json"]["delivery_id"] == 3 and parts["json"]["node_id"] == "hook"
    customer = {"id": "ada", "email": None, "phone": "+15550001", "attributes": {"plan": "pro"}}
    assert parts["json"]["customer"] == customer
    assert parts["json"]["event"] == {"name": "Signed Up", "properties": {"x": 1}}
    assert WEBHOOK.complete_parts({"json": {"kept": True}}, delivery_id=3)["json"] == {"kept": True}


def test_only_a_node_that_waits_for_the_outcome_holds_customers():
    assert WEBHOOK.holds_for_outcome({"wait_for_outcome": True})
    assert not WEBHOOK.holds_for_outcome({})


def test_test_sends_go_to_urls_only():
    WEBHOOK.check_address("https://crm.example/hook")
    with pytest.raises(ValueError):
        WEBHOOK.check_address("crm")
