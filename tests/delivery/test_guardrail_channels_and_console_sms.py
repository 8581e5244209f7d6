"""Two small honesty fixes from the docs review.

L21: a guardrail setting naming a channel that does not exist (DELIVERY_QUIET_HOURS_CHANNELS=SMS,
DELIVERY_FREQUENCY_CAPS=fax:3/7d) passed the system check, silently leaving the real channel
without its guardrail. L8: the console SMS provider's length line said "(the text is in the log
file)" even with DEBUG off, when the text is not logged at all.
"""

import pytest
from django.core import checks

from journeys.delivery.providers import ConsoleSmsProvider, OutgoingMessage


def e101(settings, **values) -> list[str]:
    for name, value in values.items():
        setattr(settings, name, value)
    return [error.msg for error in checks.run_checks() if error.id == "journeys.E101"]


@pytest.mark.parametrize(
    ("name", "value", "unknown"),
    [
        ("DELIVERY_QUIET_HOURS_CHANNELS", ["SMS"], "'SMS'"),
        ("DELIVERY_QUIET_HOURS_CHANNELS", ["sms", "fax"], "'fax'"),
        ("DELIVERY_FREQUENCY_CAPS", "email:3/7d,fax:3/7d", "'fax'"),
        ("DELIVERY_RATE_LIMITS", "sms:10,text:5", "'text'"),
    ],
)
def test_a_guardrail_naming_an_unknown_channel_fails_the_check_naming_the_known_ones(settings, name, value, unknown):
    [message] = e101(settings, **{name: value})

    assert name in message and unknown in message
    assert all(channel in message for channel in ("email", "in_app", "sms", "webhook"))


def test_known_channels_pass_the_check(settings):
    assert (
        e101(
            settings,
            DELIVERY_QUIET_HOURS_CHANNELS=["sms", "in_app"],
            DELIVERY_FREQUENCY_CAPS="email:3/7d,sms:3/7d,webhook:10/1d",
            DELIVERY_RATE_LIMITS="email:50,sms:10,webhook:200,in_app:0",
        )
        == []
    )


def send_console_sms(body: str) -> None:
    message = OutgoingMessage(delivery_id=1, idempotency_key="k", customer_id=1, to="+15550100", parts={"body": body})
    ConsoleSmsProvider().send(message)


def test_with_debug_off_the_console_sms_line_does_not_promise_the_text(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level("INFO"):
        send_console_sms("Your code is 123456")

    assert "19 characters (the text is not logged with DEBUG off)" in caplog.text
    assert "in the log file" not in caplog.text and "123456" not in caplog.text


def test_with_debug_on_the_console_sms_line_says_where_the_text_is(settings, caplog):
    settings.DEBUG = True
    with caplog.at_level("INFO"):
        send_console_sms("Your code is 123456")
        send_console_sms("x" * 200)

    assert "19 characters (the text is in the log file)" in caplog.text
    assert "Your code is 123456" in caplog.text
    assert "200 characters (its first 160 characters are in the log file)" in caplog.text
