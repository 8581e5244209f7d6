from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def thousands(value: int) -> str:
    """12345 -> "12,345": counts on the list are read at a glance."""
    return f"{value:,}"


@register.filter
def edited_ago(value) -> str:
    """Under a minute "just now" (timesince would say "0 minutes"), else "3 hours ago"."""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"
