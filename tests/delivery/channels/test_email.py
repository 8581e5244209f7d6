"""The email channel's own rules, and its peer for the shared channel tests."""

from contextlib import contextmanager

import pytest

from journeys.delivery import channels
from journeys.delivery.content import render_context
from journeys.delivery.rendering import RenderError
from tests.delivery.helpers import ChannelPeer
from tests.delivery.peers import SmtpPeer

EMAIL = channels.get("email")
ADA = {"id": 7, "external_id": "ada", "email": "ada@example.com", "phone": "+15550001", "attributes": {}}


@contextmanager
def peer(settings):
    with SmtpPeer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield ChannelPeer(
            customer={"email": "ada@example.com", "consent": {"email": True}},
            config={},
            received=lambda: len(smtp.messages),
        )


def test_an_email_goes_to_the_profile_address_and_needs_one():
    assert EMAIL.recipient(ADA, {}) == "ada@example.com"
    assert EMAIL.recipient({**ADA, "email": ""}, {}) == ""
    assert EMAIL.address_kind == "email address"


def test_marketing_email_needs_an_explicit_yes():
    assert EMAIL.needs_consent
    assert EMAIL.consented({"email": True})
    assert not EMAIL.consented({})
    assert not EMAIL.consented({"email": False, "sms": True})


def test_a_template_needs_a_subject_and_an_html_or_text_part():
    assert EMAIL.template_errors({}) == {
        "subject": "required for this channel",
        "html": "an email needs an HTML or a text part",
    }
    assert EMAIL.template_errors({"subject": "Hi", "text": "Plain"}) == {}


def test_parts_come_from_the_template_else_the_node_body_and_carry_the_unsubscribe_link():
    source = EMAIL.content_source({"subject": "Hi {{ customer.id }}", "body": "<p>Hello</p>", "text": ""}, None)
    parts = EMAIL.render_parts(source, render_context(customer=ADA), unsubscribe_url="https://x.example/u/t/")

    assert parts["subject"] == "Hi ada"
    assert 'href="https://x.example/u/t/"' in parts["html"]
    assert parts["text"].endswith("Unsubscribe: https://x.example/u/t/")
    with pytest.raises(RenderError, match="no subject"):
        EMAIL.render_parts({"subject": " ", "html": "<p>x</p>", "text": ""}, render_context(customer=ADA))


def test_outgoing_email_has_one_click_unsubscribe_headers_and_tracked_links(settings):
    settings.EMAIL_TRACKING = True
    settings.PUBLIC_URL = "https://journeys.example.com"
    html = '<a href="https://shop.example/sale">Sale</a>'
    parts, headers, _ = EMAIL.outgoing(
        delivery_id=5,
        parts={"subject": "S", "html": html, "text": "t"},
        source={"html": html},
        config={},
        unsubscribe_url="https://journeys.example.com/u/t/",
    )

    assert headers["List-Unsubscribe"] == "<https://journeys.example.com/u/t/>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://journeys.example.com/u/c/" in parts["html"] and "/u/o/" in parts["html"]


def test_test_sends_check_the_address_and_say_they_are_tests():
    EMAIL.check_address("ada@example.com")
    with pytest.raises(ValueError):
        EMAIL.check_address("not-an-address")
    assert EMAIL.test_parts({"subject": "Hi"})["subject"] == "[Test] Hi"


def test_the_admin_preview_frames_the_html_in_a_sandbox():
    shown = EMAIL.admin_preview({"subject": "Hi", "html": "<script>x</script>", "text": "t"})
    assert "<iframe sandbox" in shown and "<script>" not in shown
