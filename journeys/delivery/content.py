"""What a message says: the render context for one customer, and a channel's rendered parts."""

import re
from html import unescape
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import escape, format_html

from journeys.delivery.rendering import RenderError, sandboxed

# Enrollment context keys that are engine bookkeeping, not journey data.
_INTERNAL_CONTEXT = {"visits", "variants"}


def render_context(*, customer: dict, enrollment_context: dict | None = None, journey: dict | None = None, **extra):
    """The variables a template sees, sandboxed.

    `customer` holds the profile (id is the external id) with attributes at the top level, so
    `{{ customer.first_name }}` reads the first_name trait; `event` is the trigger event
    (`event.name`, `event.properties.total`); `context` is the rest of the journey context with
    an API entry's payload at its top level (`context.order_id`); `journey` is {id, name}.
    """
    enrollment_context = enrollment_context or {}
    attributes = customer.get("attributes") or {}
    profile = {
        **attributes,
        "id": customer.get("external_id") or "",
        "email": customer.get("email") or "",
        "phone": customer.get("phone") or "",
        "timezone": customer.get("timezone") or "",
        "attributes": attributes,
    }
    trigger = enrollment_context.get("trigger") or {}
    event = {"name": trigger.get("event", ""), "properties": trigger.get("properties") or {}}
    context = {k: v for k, v in enrollment_context.items() if k not in _INTERNAL_CONTEXT and k != "trigger"}
    api = context.get("api")
    if isinstance(api, dict):
        # An API entry's payload is read as `context.order_id` (docs/delivery.md); `context.api.order_id`
        # keeps working for templates written before. Journey keys win a clash with payload keys.
        context = {**api, **context}
    return {
        "customer": sandboxed(profile),
        "event": sandboxed(event),
        "context": sandboxed(context),
        "journey": sandboxed(journey or {}),
        **{name: sandboxed(value) for name, value in extra.items()},
    }


def channel_for(name: str):
    """The registered channel called `name`; RenderError when there is none (a row from a removed channel)."""
    from journeys.delivery import channels

    channel = channels.get(name)
    if channel is None:
        raise RenderError(f"unknown channel {name!r}")
    return channel


def message_parts(
    *,
    channel: str,
    config: dict,
    template,
    customer: dict,
    enrollment_context: dict | None,
    journey: dict,
    delivery_id: int,
    node_id: str,
    unsubscribe_url: str = "",
) -> tuple[dict, dict]:
    """(sources, rendered parts) of one message, as the worker sends it and a preview shows it."""
    handler = channel_for(channel)
    extra = {"unsubscribe_url": unsubscribe_url} if unsubscribe_url else {}
    context = render_context(customer=customer, enrollment_context=enrollment_context, journey=journey, **extra)
    source = handler.content_source(config, template)
    parts = handler.render_parts(source, context, unsubscribe_url=unsubscribe_url)
    parts = handler.complete_parts(
        parts,
        delivery_id=delivery_id,
        customer=customer,
        journey=journey,
        node_id=node_id,
        enrollment_context=enrollment_context,
    )
    return source, parts


def public_url(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


def literal_hosts(source_html: str) -> set[str]:
    """Hosts of the absolute links written in a template's own text (not filled in from data)."""
    return {urlsplit(unescape(match.group(3))).hostname or "" for match in _HREF.finditer(source_html)} - {""}


def add_tracking(html: str, delivery_id: int, *, keep: str = "", hosts: set[str] | frozenset = frozenset()) -> str:
    """Route the email's links through signed click-tracking redirects and add an open pixel.

    Only links to `hosts` (those the template itself names) are tracked: a link whose address
    came from customer or event data stays as it is, so our signed redirect can never be made
    to point wherever an event sender likes. `keep` (the unsubscribe link) is left alone: it must
    work even when tracking does not.
    """
    from journeys.delivery import tokens  # tokens builds its URLs with public_url from here

    def rewrite(match: re.Match) -> str:
        url = unescape(match.group(3))
        if url == keep or (urlsplit(url).hostname or "") not in hosts:
            return match.group(0)
        tracked = public_url(f"/u/c/{tokens.tracking_token(delivery_id, url)}/")
        return f"{match.group(1)}{match.group(2)}{escape(tracked)}{match.group(2)}"

    if not html.strip():
        return html
    pixel = format_html(
        '<img src="{}" width="1" height="1" alt="" style="display:none">',
        public_url(f"/u/o/{tokens.tracking_token(delivery_id)}.gif"),
    )
    return _HREF.sub(rewrite, html) + pixel
