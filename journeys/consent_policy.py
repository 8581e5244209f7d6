"""Consent states and the per-install consent policy: pure reads, no writes (journeys.consent writes).

A profile's `consent` column maps a channel to its subscription state, `"subscribed"` or
`"unsubscribed"`; a channel absent from it was never asked. Whether a marketing message may go
out then depends on the channel's policy (setting `CONSENT_POLICY`):

- `opt_in`: only a customer who subscribed gets marketing (the GDPR / ePrivacy reading for email
  and SMS, and the default for both);
- `opt_out`: everyone gets it unless they unsubscribed (the default for in-app messages, which
  appear inside the customer's own session).

Profiles written before states existed held `true`/`false`; both are still read as
subscribed/unsubscribed, so a row that escaped the migration (a restore, an old bench script)
is not misread.
"""

import re
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SUBSCRIBED = "subscribed"
UNSUBSCRIBED = "unsubscribed"
NOT_ASKED = "not_asked"
STATES = (SUBSCRIBED, UNSUBSCRIBED, NOT_ASKED)

OPT_IN = "opt_in"
OPT_OUT = "opt_out"
MODES = (OPT_IN, OPT_OUT)

# The channels that reach a person and so have a consent state. Webhooks reach systems.
CONSENT_CHANNELS = ("email", "sms", "push", "in_app")
DEFAULT_POLICY = "email:opt_in,sms:opt_in,push:opt_in,in_app:opt_out"

# Where a change came from, recorded on each ConsentChange.
SOURCES = ("sdk", "api", "import", "admin", "unsubscribe_link", "provider", "migration")

_TRUE_WORDS = {"true", "yes", "y", "1", SUBSCRIBED, "subscribe", "opt_in", "opted_in", "granted"}
_FALSE_WORDS = {"false", "no", "n", "0", UNSUBSCRIBED, "unsubscribe", "opt_out", "opted_out", "revoked", "denied"}
_NOT_ASKED_WORDS = {NOT_ASKED, "not asked", "unknown", "none", "null"}


def parse_state(value) -> str | None:
    """A state from what SDKs, CSV files and people write: true/false, "subscribed", "yes"...

    Returns None for a value that names no state (the caller reports or ignores it). Numbers other
    than 0 and 1 are refused rather than guessed at.
    """
    if value is True:
        return SUBSCRIBED
    if value is False:
        return UNSUBSCRIBED
    if value is None:
        return NOT_ASKED
    if isinstance(value, int | float) and value in (0, 1):
        return SUBSCRIBED if value == 1 else UNSUBSCRIBED
    if isinstance(value, str):
        word = value.strip().lower().replace("-", "_")
        if word in _TRUE_WORDS:
            return SUBSCRIBED
        if word in _FALSE_WORDS:
            return UNSUBSCRIBED
        if word in _NOT_ASKED_WORDS or word.replace("_", " ") in _NOT_ASKED_WORDS:
            return NOT_ASKED
    return None


def state_of(consent, channel: str) -> str:
    """The stored state of one channel, legacy booleans included; NOT_ASKED when absent or unreadable."""
    value = consent.get(channel) if isinstance(consent, dict) else None
    if value is True or value == SUBSCRIBED:
        return SUBSCRIBED
    if value is False or value == UNSUBSCRIBED:
        return UNSUBSCRIBED
    return NOT_ASKED


def parse_policy(text: str) -> dict[str, str]:
    """ "email:opt_in,in_app:opt_out" -> {"email": "opt_in", ...}, over the defaults; bad values raise."""
    policy = dict(item.split(":") for item in DEFAULT_POLICY.split(","))
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"(\w+)\s*:\s*(\w+)", item)
        if not match:
            raise ImproperlyConfigured(f"CONSENT_POLICY: {item!r} is not channel:mode such as email:opt_in")
        channel, mode = match.groups()
        if channel not in CONSENT_CHANNELS:
            raise ImproperlyConfigured(
                f"CONSENT_POLICY: unknown channel {channel!r}; channels with consent are {', '.join(CONSENT_CHANNELS)}"
            )
        if mode not in MODES:
            raise ImproperlyConfigured(f"CONSENT_POLICY: {channel} mode {mode!r} is not opt_in or opt_out")
        policy[channel] = mode
    return policy


@cache
def _parsed(text: str) -> dict[str, str]:
    return parse_policy(text)


def consent_policy() -> dict[str, str]:
    """The policy per channel, from settings (cached per distinct setting, so tests may override it)."""
    return _parsed(settings.CONSENT_POLICY)


def mode_of(channel: str) -> str:
    return consent_policy().get(channel, OPT_IN)


def allows(consent, channel: str) -> bool:
    """Whether a marketing message on `channel` may go out, given the profile's consent and the policy."""
    state = state_of(consent, channel)
    if state == SUBSCRIBED:
        return True
    if state == UNSUBSCRIBED:
        return False
    return mode_of(channel) == OPT_OUT
