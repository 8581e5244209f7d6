import re
from urllib.parse import urlsplit

import pytest

from journeys.models import Customer, Delivery, Event, Suppression
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.delivery.peers import SmtpPeer
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

WELCOME = {
    "subject": "Welcome, {{ customer.first_name|default:'there' }}",
    "body": '<h1>Hi {{ customer.first_name|default:"there" }}</h1><p>Your plan: {{ customer.plan }}.</p>'
    '<p><a href="https://shop.example/start">Start</a></p>',
}


@pytest.fixture
def smtp(settings):
    with SmtpPeer() as peer:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", peer.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield peer


def ada(**fields):
    return make_customer(
        external_id="ada",
        email="ada@example.com",
        consent={"email": True},
        attributes={"first_name": "Ada", "plan": "<pro>"},
        **fields,
    )


def test_an_email_reaches_the_smtp_server_with_both_parts_and_unsubscribe_headers(source, smtp):
    ada()
    message_journey("send_email", WELCOME)
    enter(source, "ada")

    assert send_all() == 1

    [message] = smtp.messages
    assert message["To"] == "ada@example.com"
    assert message["From"] == "Shop <news@shop.example>"
    assert message["Subject"] == "Welcome, Ada"
    delivery = delivery_of("ada")
    assert (
        str(message["Message-ID"]).strip()
        == delivery.provider_message_id
        == f"<cjo-delivery-{delivery.id}@shop.example>"
    )
    assert f"cjo-delivery-{delivery.id}" in message["Message-ID"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe.startswith("https://journeys.example.com/u/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hi Ada" in html and "Your plan: &lt;pro&gt;." in html  # customer data is escaped in HTML
    assert "Your plan: <pro>." in text  # and left as written in the text part
    assert unsubscribe in text and unsubscribe in html
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.recipient == "ada@example.com"
    assert delivery.rendered["subject"] == "Welcome, Ada"


def test_links_are_tracked_and_a_click_redirects_and_becomes_an_event(source, smtp, client):
    ada()
    message_journey("send_email", WELCOME)
    enter(source, "ada")
    send_all()

    html = smtp.messages[0].get_body(("html",)).get_content()
    [tracked] = [url for url in re.findall(r'href="([^"]+)"', html) if "/u/c/" in url]
    response = client.get(urlsplit(tracked).path)

    assert response.status_code == 302 and response["Location"] == "https://shop.example/start"
    delivery = delivery_of("ada")
    assert delivery.clicked_at is not None and delivery.opened_at is not None
    clicked = Event.objects.get(name="Email Clicked")
    assert clicked.properties["url"] == "https://shop.example/start"
    assert clicked.properties["delivery_id"] == delivery.id


def test_the_open_pixel_records_an_open(source, smtp, client):
    ada()
    message_journey("send_email", WELCOME)
    enter(source, "ada")
    send_all()
    html = smtp.messages[0].get_body(("html",)).get_content()
    [pixel] = re.findall(r'<img src="([^"]+)"', html)

    response = client.get(urlsplit(pixel).path)

    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert delivery_of("ada").opened_at is not None
    assert Event.objects.filter(name="Email Opened", customer__external_id="ada").count() == 1


def test_the_unsubscribe_link_works_end_to_end_and_the_next_marketing_email_is_skipped(source, smtp, client):
    ada()
    message_journey("send_email", WELCOME)
    enter(source, "ada")
    send_all()
    path = urlsplit(str(smtp.messages[0]["List-Unsubscribe"]).strip().strip("<>")).path

    page = client.get(path)
    assert page.status_code == 200
    assert "a***@example.com" in page.content.decode()
    done = client.post(path, {})
    assert "You are unsubscribed" in done.content.decode()

    customer = Customer.objects.get(external_id="ada")
    assert customer.consent["email"] == "unsubscribed"
    assert Suppression.objects.get(customer=customer).scope == "marketing"
    assert Event.objects.filter(customer=customer, name="Email Unsubscribed").exists()

    message_journey("send_email", {**WELCOME, "subject": "Second"}, event="Came Back")
    enter(source, "ada", event="Came Back")
    send_all()
    second = Delivery.objects.get(payload__subject="Second")
    assert (second.status, second.skip_reason) == ("skipped", "unsubscribed")
    assert len(smtp.messages) == 1


def test_one_click_unsubscribe_is_a_post_without_cookies_or_csrf(source, smtp, client):
    ada()
    message_journey("send_email", WELCOME)
    enter(source, "ada")
    send_all()
    path = urlsplit(str(smtp.messages[0]["List-Unsubscribe"]).strip().strip("<>")).path
    client.handler.enforce_csrf_checks = True

    response = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Suppression.objects.filter(customer__external_id="ada", channel="email", scope="marketing").exists()


def test_a_forged_unsubscribe_token_is_refused(source, client):
    customer = ada()
    response = client.post("/u/1:forged/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert not Suppression.objects.filter(customer=customer).exists()


def test_a_transactional_email_reaches_a_customer_without_marketing_consent(source, smtp):
    make_customer(external_id="bob", email="bob@example.com", consent={"email": False})
    message_journey("send_email", {"subject": "Your receipt", "body": "<p>Thanks</p>", "transactional": True})
    enter(source, "bob")

    send_all()

    assert delivery_of("bob").status == "sent"
    assert len(smtp.messages) == 1


def test_an_unreachable_mail_server_is_retried_later_not_failed(source, settings):
    ada()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    message_journey("send_email", WELCOME)
    enter(source, "ada")

    send_all()

    delivery = delivery_of("ada")
    assert delivery.status == "queued" and delivery.attempts == 1
    assert "cannot reach the mail server" in delivery.error
