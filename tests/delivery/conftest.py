import pytest

from tests.factories import make_source


@pytest.fixture(autouse=True)
def _plain_delivery_settings(settings):
    """No guardrail a test did not ask for: tests that check one set it themselves."""
    settings.DELIVERY_QUIET_HOURS = ""
    settings.DELIVERY_FREQUENCY_CAPS = ""
    settings.DELIVERY_RATE_LIMITS = ""
    settings.DELIVERY_RETRY_SECONDS = 30
    settings.DELIVERY_MAX_ATTEMPTS = 4
    settings.WEBHOOK_ALLOWLIST = ["127.0.0.1"]
    settings.WEBHOOK_SIGNING_SECRET = "test-signing-secret"
    settings.PUBLIC_URL = "https://journeys.example.com"
    settings.DEFAULT_FROM_EMAIL = "Shop <news@shop.example>"
    settings.DELIVERY_CALLBACK_TOKEN = "callback-token"
    settings.EMAIL_TRACKING = True


@pytest.fixture
def source():
    return make_source()
