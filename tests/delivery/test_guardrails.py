from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from journeys.delivery.policy import QuietHours, parse_caps, parse_quiet_hours
from journeys.models import Delivery, NodeStat, Suppression
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.delivery.peers import HttpPeer
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

EMAIL = {"subject": "News", "body": "<p>Hello</p>"}


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_no_marketing_message_without_consent_and_the_skip_is_counted_on_the_node(source):
    make_customer(external_id="none", email="none@example.com")
    make_customer(external_id="refused", email="refused@example.com", consent={"email": False})
    make_customer(external_id="yes", email="yes@example.com", consent={"email": True})
    journey = message_journey("send_email", EMAIL)
    enter(source, "none", "refused", "yes")

    send_all()

    assert {d.customer.external_id: (d.status, d.skip_reason) for d in Delivery.objects.all()} == {
        "none": ("skipped", "no_consent"),
        "refused": ("skipped", "no_consent"),
        "yes": ("sent", ""),
    }
    assert delivery_of("none").error == "no consent to marketing email"
    counted = dict(
        NodeStat.objects.filter(journey=journey, node_id="message").values_list("metric", "value").order_by()
    )
    assert counted["delivery:skipped"] == 2 and counted["delivery:skipped:no_consent"] == 2
    assert counted["delivery:sent"] == 1


def test_transactional_messages_bypass_marketing_consent_but_not_an_opt_out_from_everything(source):
    marketing_only = make_customer(external_id="m", email="m@example.com")
    everything = make_customer(external_id="all", email="all@example.com", consent={"email": True})
    Suppression.objects.create(customer=marketing_only, channel="email", scope="marketing", reason="link")
    Suppression.objects.create(customer=everything, channel="email", scope="all", reason="page")
    message_journey("send_email", {**EMAIL, "transactional": True})
    enter(source, "m", "all")

    send_all()

    assert delivery_of("m").status == "sent"
    assert (delivery_of("all").status, delivery_of("all").skip_reason) == ("skipped", "unsubscribed")


def test_a_hard_bounce_suppresses_the_address_for_every_kind_of_message(source, client):
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    message_journey("send_email", EMAIL)
    enter(source, "ada")
    send_all()
    response = client.post(
        "/v1/callbacks/email/",
        {"delivery_id": delivery_of("ada").id, "event": "bounced", "reason": "550 no such user"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer callback-token",
    )
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert delivery_of("ada").status == "bounced"

    message_journey("send_email", {**EMAIL, "subject": "Receipt", "transactional": True}, event="Bought")
    enter(source, "ada", event="Bought")
    send_all()

    receipt = Delivery.objects.get(payload__subject="Receipt")
    assert (receipt.status, receipt.skip_reason) == ("skipped", "unsubscribed")


def test_the_frequency_cap_counts_marketing_emails_across_journeys_and_skips_the_fourth(source, settings):
    settings.DELIVERY_FREQUENCY_CAPS = "email:3/7d"
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    for number in range(1, 5):
        message_journey("send_email", {**EMAIL, "subject": f"Issue {number}"}, event=f"Step {number}")
        enter(source, "ada", event=f"Step {number}")
    message_journey("send_email", {**EMAIL, "subject": "Receipt", "transactional": True}, event="Bought")
    enter(source, "ada", event="Bought")

    send_all()

    statuses = dict(Delivery.objects.values_list("payload__subject", "status"))
    assert statuses == {
        "Issue 1": "sent",
        "Issue 2": "sent",
        "Issue 3": "sent",
        "Issue 4": "skipped",
        "Receipt": "sent",
    }
    assert Delivery.objects.get(payload__subject="Issue 4").skip_reason == "capped"


def test_a_capped_message_can_wait_until_the_window_allows_it(source, settings):
    settings.DELIVERY_FREQUENCY_CAPS = "sms:1/1d"
    make_customer(external_id="ada", phone="+15550001234", consent={"sms": True})
    message_journey("send_sms", {"body": "First"}, event="One")
    message_journey("send_sms", {"body": "Second", "when_capped": "delay"}, event="Two")
    enter(source, "ada", event="One")
    send_all()
    enter(source, "ada", event="Two")

    send_all()
    second = Delivery.objects.get(payload__body="Second")
    first = Delivery.objects.get(payload__body="First")
    assert second.status == "queued"
    assert abs(second.not_before - (first.sent_at + timedelta(days=1))) < timedelta(seconds=1)

    send_all(now=second.not_before + timedelta(seconds=1))
    assert Delivery.objects.get(payload__body="Second").status == "sent"


@pytest.mark.parametrize(
    "zone, utc_hour, held_until_utc",
    [
        ("Europe/Paris", 21, "2027-03-11T07:00:00+00:00"),  # 22:00 in Paris: waits until 08:00 Paris
        ("America/New_York", 3, "2027-03-10T13:00:00+00:00"),  # 22:00 the day before in New York (EST)
        ("Asia/Tokyo", 22, "2027-03-10T23:00:00+00:00"),  # 07:00 in Tokyo: one more hour
        ("", 22, "2027-03-11T08:00:00+00:00"),  # unknown: the workspace default (UTC here)
    ],
)
def test_quiet_hours_hold_marketing_texts_until_morning_in_the_customers_timezone(
    source, settings, zone, utc_hour, held_until_utc
):
    settings.DELIVERY_QUIET_HOURS = "21:00-08:00"
    settings.DELIVERY_QUIET_HOURS_CHANNELS = ["sms"]
    make_customer(external_id="ada", phone="+15550001234", timezone=zone, consent={"sms": True})
    message_journey("send_sms", {"body": "Deal"})
    enter(source, "ada")
    now = datetime(2027, 3, 10, utc_hour, 0, tzinfo=UTC)  # a date after the rows were queued

    send_all(now=now)

    delivery = delivery_of("ada")
    assert delivery.status == "queued"
    assert delivery.not_before == datetime.fromisoformat(held_until_utc)
    assert "quiet hours" in delivery.error

    send_all(now=delivery.not_before + timedelta(seconds=1))
    assert delivery_of("ada").status == "sent"


def test_quiet_hours_do_not_hold_transactional_texts_or_daytime_ones(source, settings):
    settings.DELIVERY_QUIET_HOURS = "21:00-08:00"
    settings.DELIVERY_QUIET_HOURS_CHANNELS = ["sms"]
    make_customer(external_id="night", phone="+15550001234", timezone="Europe/Paris", consent={"sms": True})
    make_customer(external_id="day", phone="+15550005678", timezone="Asia/Tokyo", consent={"sms": True})
    message_journey("send_sms", {"body": "Your code", "transactional": True}, event="Login")
    message_journey("send_sms", {"body": "Deal"}, event="Browse")
    enter(source, "night", event="Login")
    enter(source, "day", event="Browse")

    send_all(now=datetime(2027, 3, 10, 23, 30, tzinfo=UTC))  # 00:30 in Paris, 08:30 in Tokyo

    assert delivery_of("night").status == "sent"
    assert delivery_of("day").status == "sent"


def test_quiet_hours_arithmetic_across_midnight_and_daylight_saving():
    quiet = parse_quiet_hours("22:00-07:00")
    assert quiet == QuietHours(start=time(22, 0), end=time(7, 0))
    # The night clocks go forward in Paris (30 March 2025): 07:00 local is 05:00 UTC.
    assert quiet.resume_at(datetime(2025, 3, 29, 23, 0, tzinfo=UTC), "Europe/Paris") == datetime(
        2025, 3, 30, 5, 0, tzinfo=UTC
    )
    assert quiet.resume_at(datetime(2025, 3, 30, 12, 0, tzinfo=UTC), "Europe/Paris") is None
    assert parse_quiet_hours("") is None
    assert parse_caps("email:3/7d,sms:2/1d")["email"].window == timedelta(days=7)


def test_a_send_rate_limit_spreads_a_burst_and_drops_nothing(source, settings):
    settings.DELIVERY_RATE_LIMITS = "webhook:20"
    for n in range(50):
        make_customer(external_id=f"c{n}")
    with HttpPeer() as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        enter(source, *[f"c{n}" for n in range(50)])
        started = timezone.now()

        from journeys.delivery import deliveries_run

        deliveries_run(seconds=30, linger=5)
        elapsed = (timezone.now() - started).total_seconds()

    assert Delivery.objects.filter(status="sent").count() == 50
    assert len(receiver.requests) == 50
    # 50 messages at 20 per second with a one-second burst allowance take at least 1.5 s.
    assert elapsed >= 1.4
    arrivals = sorted(r.headers["X-CJO-Timestamp"] for r in receiver.requests)
    per_second = max(arrivals.count(second) for second in set(arrivals))
    assert per_second <= 21


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DELIVERY_FREQUENCY_CAPS", "email:3 per week"),
        ("DELIVERY_RATE_LIMITS", "sms:ten"),
        ("DELIVERY_QUIET_HOURS", "25:00-08:00"),
    ],
)
def test_a_mistyped_guardrail_setting_fails_the_system_check_naming_the_variable(settings, name, value):
    # A typo must stop the start rather than silently send without the guardrail.
    from django.core import checks

    setattr(settings, name, value)

    errors = [error for error in checks.run_checks() if error.id == "journeys.E101"]

    assert len(errors) == 1 and name in errors[0].msg
