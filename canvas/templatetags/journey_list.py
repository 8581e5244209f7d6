from django import template

register = template.Library()


@register.filter
def thousands(value: int) -> str:
    """12345 -> "12,345": counts on the list are read at a glance."""
    return f"{value:,}"
