"""A recipient unsubscribes in a real browser from the link in their email."""

import pytest
from django.test import override_settings

from journeys.delivery import tokens
from journeys.models import Customer, Suppression
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer, make_source

pytestmark = pytest.mark.browser


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DELIVERY_FREQUENCY_CAPS="")
def test_a_recipient_unsubscribes_from_everything_through_the_page(page, live_server_url, artifact_path):
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    message_journey("send_email", {"subject": "News", "body": "<p>Hi</p>"})
    enter(make_source(), "ada")
    send_all()
    token = tokens.unsubscribe_token(delivery_of("ada").id)

    page.goto(f"{live_server_url}/u/{token}/")
    assert "a***@example.com" in page.content()
    page.check("input[name=scope]")
    page.click("button[type=submit]")
    page.wait_for_selector("text=You are unsubscribed")
    page.screenshot(path=artifact_path("unsubscribed.png"))

    customer = Customer.objects.get(external_id="ada")
    assert Suppression.objects.get(customer=customer).scope == "all"
    assert customer.consent["email"] == "unsubscribed"
