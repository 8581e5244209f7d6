"""The customer a test run follows: a copy of a real one, or one the marketer makes up."""

import copy
import hashlib
from dataclasses import dataclass

from journeys.consent_policy import CONSENT_CHANNELS, NOT_ASKED, parse_state
from journeys.models import Customer
from journeys.nodes.base import CustomerView


def consent_from_input(raw: dict) -> dict:
    """Per-channel consent typed for a made-up profile, as `Customer.consent` holds it.

    Accepts what the consent API accepts (true/false, subscribed, unsubscribed, not_asked) and
    stores the states; a channel not asked is left out. Raises ValueError naming the channel
    when a value names no state or the channel has no consent.
    """
    consent = {}
    for channel, value in raw.items():
        state = parse_state(value)
        if channel not in CONSENT_CHANNELS or state is None:
            raise ValueError(f"consent for {channel!r} must be true, false, subscribed, unsubscribed or not_asked")
        if state != NOT_ASKED:
            consent[channel] = state
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
