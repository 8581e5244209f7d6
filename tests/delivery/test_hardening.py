"""Public delivery endpoints and helpers under hostile input: no open redirect, no internal
address, no crash on odd bytes."""

import base64
import ipaddress
from urllib.parse import urlsplit

import pytest

from journeys.delivery import content, net, tokens
from tests.factories import make_customer, make_source

pytestmark = pytest.mark.django_db


def tracked_targets(html: str) -> list[str]:
    """The addresses behind the click-tracking links of an email's HTML."""
    targets = []
    for token in content._HREF.findall(html):
        path = urlsplit(token[2]).path
        if path.startswith("/u/c/"):
            targets.append(tokens.from_tracking_token(path.removeprefix("/u/c/").strip("/"))[1])
    return targets


def test_only_links_the_template_itself_names_are_tracked():
    source = '<a href="https://shop.example.com/cart">Cart</a> <a href="{{ event.properties.url }}">Yours</a>'
    rendered = '<a href="https://shop.example.com/cart">Cart</a> <a href="https://evil.example/login">Yours</a>'

    html = content.add_tracking(rendered, 7, hosts=content.literal_hosts(source))

    assert tracked_targets(html) == ["https://shop.example.com/cart"]
    assert 'href="https://evil.example/login"' in html  # left as it was: no redirect through us


def test_a_tracked_link_with_an_upper_case_scheme_still_redirects(client):
    token = tokens.tracking_token(1, "HTTPS://shop.example.com/")
    response = client.get(f"/u/c/{token}/")
    assert (response.status_code, response["Location"]) == (302, "HTTPS://shop.example.com/")


def test_tracking_links_expire(client, settings):
    token = tokens.tracking_token(1, "https://shop.example.com/")
    assert tokens.from_tracking_token(token) is not None
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"  # stands in for an old or forged token
    assert tokens.from_tracking_token(token) is None
    assert tokens.TRACKING_MAX_AGE.days == 365


@pytest.mark.parametrize("address", ["100.64.0.10", "100.127.255.254", "fec0::1", "2002:a00:1::1"])
def test_addresses_that_are_not_on_the_internet_are_refused(address):
    assert net._is_internal(ipaddress.ip_address(address)) is not None


def test_a_public_address_is_allowed():
    assert net._is_internal(ipaddress.ip_address("93.184.216.34")) is None


def test_a_bearer_token_with_non_ascii_characters_is_refused_not_a_crash(client, settings):
    settings.DELIVERY_CALLBACK_TOKEN = "callback-token"
    response = client.post(
        "/v1/callbacks/email/", data="{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer é"
    )
    assert response.status_code == 401


def test_a_user_hash_with_non_ascii_characters_is_refused_not_a_crash(client, settings):
    settings.IN_APP_IDENTITY_SECRET = "identity-secret"
    make_source(write_key="app-key")
    make_customer(external_id="ada")
    auth = "Basic " + base64.b64encode(b"app-key:").decode()
    response = client.get("/v1/in-app/messages?userId=ada&userHash=%C3%A9", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 401


def test_a_nul_character_in_the_in_app_user_id_is_a_bad_request(client):
    make_source(write_key="app-key")
    auth = "Basic " + base64.b64encode(b"app-key:").decode()
    response = client.get("/v1/in-app/messages?userId=ada%00", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]


def test_a_nul_character_in_a_callback_message_id_finds_nothing(client, settings):
    settings.DELIVERY_CALLBACK_TOKEN = "callback-token"
    response = client.post(
        "/v1/callbacks/email/",
        data='{"events": [{"message_id": "abc\\u0000", "event": "delivered"}]}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer callback-token",
    )
    assert response.status_code < 500


def test_a_nul_character_in_an_inbound_text_is_a_bad_request(client, settings):
    settings.DELIVERY_CALLBACK_TOKEN = "callback-token"
    response = client.post(
        "/v1/callbacks/sms/inbound/",
        data={"From": "+15550100", "Body": "STOP\x00"},
        HTTP_AUTHORIZATION="Bearer callback-token",
    )
    assert response.status_code == 400


def test_the_console_sms_provider_keeps_the_text_out_of_production_logs(settings, caplog):
    from journeys.delivery.providers import ConsoleSmsProvider, OutgoingMessage

    settings.DEBUG = False
    message = OutgoingMessage(
        delivery_id=1, idempotency_key="k", customer_id=1, to="+15550100", parts={"body": "Your code is 123456"}
    )
    with caplog.at_level("INFO"):
        ConsoleSmsProvider().send(message)
    assert "123456" not in caplog.text
    assert "19 characters" in caplog.text
