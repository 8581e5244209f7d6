"""The customer a test run follows: a copy of a real one, or one the marketer makes up."""

import copy
import hashlib
from dataclasses import dataclass

from journeys.models import Customer
from journeys.nodes.base import CustomerView

# Consent as the marketer may type it: today's booleans, or the states of the reworked consent
# model. Only `subscribed` grants a marketing message; `not_asked` is the same as never asked.
_CONSENT_WORDS = {"subscribed": True, "unsubscribed": False, "not_asked": None}


def consent_from_input(raw: dict) -> dict:
    """Per-channel consent typed for a made-up profile, as `Customer.consent` holds it.

    The one place that knows the stored shape: {channel: True/False}, a channel never asked
    left out. Raises ValueError naming the channel when a value is neither a boolean nor one of
    subscribed, unsubscribed, not_asked.
    """
    consent = {}
    for channel, value in raw.items():
        if isinstance(value, bool):
            consent[channel] = value
        elif isinstance(value, str) and value in _CONSENT_WORDS:
            if _CONSENT_WORDS[value] is not None:
                consent[channel] = _CONSENT_WORDS[value]
        else:
            raise ValueError(f"consent for {channel!r} must be true, false, subscribed, unsubscribed or not_asked")
    return consent


@dataclass
class TestProfile:
    """The customer as the nodes see it (a copy: changes stay in the test run), and where it came from."""

    __test__ = False  # not a pytest class, despite the name

    view: CustomerView
    existing: bool  # a real customer: conditions also count their stored events

    @property
    def as_dict(self) -> dict:
        view = self.view
        return {
            "id": view.id,
            "external_id": view.external_id,
            "email": view.email,
            "phone": view.phone,
            "timezone": view.timezone,
            "attributes": view.attributes,
            "consent": view.consent,
        }


def profile_from_customer(customer: Customer) -> TestProfile:
    """A test profile that starts as this customer is now; the customer row is never changed."""
    view = CustomerView(
        id=customer.pk,
        external_id=customer.external_id,
        email=customer.email,
        phone=customer.phone,
        timezone=customer.timezone,
        attributes=copy.deepcopy(customer.attributes or {}),
        consent=copy.deepcopy(customer.consent or {}),
    )
    return TestProfile(view=view, existing=True)


def profile_made_up(
    *, external_id: str, email: str = "", phone: str = "", timezone: str = "", traits: dict, consent: dict
) -> TestProfile:
    """A profile that exists only in the test run.

    Its id is negative, so it can never be a real customer's, and derived from the external id,
    so splits send the same made-up profile down the same variant on every run.
    """
    digest = hashlib.sha256(external_id.encode()).digest()
    made_up_id = -(int.from_bytes(digest[:6], "big") + 1)
    view = CustomerView(
        id=made_up_id,
        external_id=external_id,
        email=email,
        phone=phone,
        timezone=timezone,
        attributes=copy.deepcopy(traits),
        consent=consent_from_input(consent),
    )
    return TestProfile(view=view, existing=False)
