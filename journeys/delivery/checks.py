"""Start-up checks: a mistyped cap, rate, quiet-hours or consent policy setting stops the start, naming the variable."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from journeys.consent_policy import consent_policy
from journeys.delivery import channels
from journeys.delivery.policy import current_policy


@checks.register(checks.Tags.compatibility)
def delivery_settings_check(app_configs=None, **kwargs):
    try:
        policy = current_policy()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="journeys.E101")]
    # The guardrails look channels up by name, so a misspelt one (SMS, text, e-mail) would parse
    # fine and silently leave that channel without its cap, quiet hours or rate limit.
    known = channels.names()
    named = {
        "DELIVERY_FREQUENCY_CAPS": policy.caps,
        "DELIVERY_QUIET_HOURS_CHANNELS": policy.quiet_channels,
        "DELIVERY_RATE_LIMITS": policy.rates,
    }
    return [
        checks.Error(
            f"{setting}: no channel is called {' or '.join(map(repr, unknown))}; the channels are {', '.join(known)}",
            id="journeys.E101",
        )
        for setting, used in named.items()
        if (unknown := sorted(set(used) - set(known)))
    ]


@checks.register(checks.Tags.compatibility)
def consent_policy_check(app_configs=None, **kwargs):
    try:
        consent_policy()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="journeys.E103", hint="e.g. CONSENT_POLICY=email:opt_in,sms:opt_in")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def in_app_identity_check(app_configs=None, **kwargs):
    from django.conf import settings

    if settings.IN_APP_IDENTITY_SECRET:
        return []
    return [
        checks.Warning(
            "IN_APP_IDENTITY_SECRET is not set: write keys ship inside apps, so anyone holding one can read and"
            " dismiss any customer's in-app messages by their id.",
            hint="Set it and have your app send userHash = hex HMAC-SHA256(secret, userId) (docs/delivery.md).",
            id="journeys.W102",
        )
    ]


@checks.register(checks.Tags.compatibility, deploy=True)
def email_backend_check(app_configs=None, **kwargs):
    from django.conf import settings

    if settings.EMAIL_BACKEND != "journeys.delivery.outbox.LogEmailBackend":
        return []
    return [
        checks.Warning(
            "EMAIL_BACKEND is unset: email is written to the log and never sent.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST (docs/operations.md).",
            id="journeys.W103",
        )
    ]
