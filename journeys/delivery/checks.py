"""Start-up checks: a mistyped cap, rate or quiet-hours setting stops the start, naming the variable."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.compatibility)
def delivery_settings_check(app_configs=None, **kwargs):
    from journeys.delivery.policy import current_policy

    try:
        current_policy()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="journeys.E101")]
    return []
