"""What a message says: the render context for one customer, and a channel's rendered parts."""

import re
from html import unescape
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import escape, format_html

from journeys.delivery.rendering import RenderError, render_json, render_string, sandboxed, text_from_html

# Enrollment context keys that are engine bookkeeping, not journey data.
_INTERNAL_CONTEXT = {"visits", "variants"}


def render_context(*, customer: dict, enrollment_context: dict | None = None, journey: dict | None = None, **extra):
    """The variables a template sees, sandboxed.

    `customer` holds the profile (id is the external id) with attributes at the top level, so
    `{{ customer.first_name }}` reads the first_name trait; `event` is the trigger event
    (`event.name`, `event.properties.total`); `context` is the rest of the journey context,
    such as an API entry's payload; `journey` is {id, name}.
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
    return {
        "customer": sandboxed(profile),
        "event": sandboxed(event),
        "context": sandboxed(context),
        "journey": sandboxed(journey or {}),
        **{name: sandboxed(value) for name, value in extra.items()},
    }


def content_source(channel: str, config: dict, template) -> dict:
    """The template sources for a channel: from the chosen MessageTemplate, else the node's inline fields."""
    if template is not None:
        if channel == "email":
            return {"subject": template.subject, "html": template.html, "text": template.text}
        if channel == "sms":
            return {"body": template.body}
        if channel == "in_app":
            return {"title": template.subject, "body": template.body, "url": config.get("url", "")}
        if channel == "webhook":
            return {"json": template.webhook_body or None}
    if channel == "email":
        return {"subject": config.get("subject", ""), "html": config.get("body", ""), "text": config.get("text", "")}
    if channel == "sms":
        return {"body": config.get("body", "")}
    if channel == "in_app":
        return {"title": config.get("title", ""), "body": config.get("body", ""), "url": config.get("url", "")}
    if channel == "webhook":
        return {"json": config.get("body") or None}
    raise RenderError(f"unknown channel {channel!r}")


def render_parts(channel: str, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
    """Render a channel's parts; RenderError when a template fails or a required part is empty."""
    if channel == "email":
        subject = " ".join(render_string(source["subject"], context).split())
        html = render_string(source["html"], context, html=True)
        text = render_string(source["text"], context) if source["text"] else text_from_html(html)
        if not subject:
            raise RenderError("the email has no subject")
        if not (html.strip() or text.strip()):
            raise RenderError("the email has no content")
        if unsubscribe_url and unsubscribe_url not in html:
            # Every email carries a way out, even when the template forgot it.
            link = f'<p style="font-size:12px;color:#666"><a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>'
            html = html + "\n" + link if html.strip() else ""
        if unsubscribe_url and unsubscribe_url not in text:
            text = f"{text}\n\n--\nUnsubscribe: {unsubscribe_url}"
        return {"subject": subject[:998], "html": html, "text": text}
    if channel == "sms":
        body = render_string(source["body"], context).strip()
        if not body:
            raise RenderError("the text message is empty")
        return {"body": body[:1600]}
    if channel == "in_app":
        title = render_string(source["title"], context).strip()
        body = render_string(source["body"], context).strip()
        if not (title or body):
            raise RenderError("the in-app message is empty")
        return {"title": title[:300], "body": body[:5000], "url": render_string(source.get("url", ""), context)}
    if channel == "webhook":
        return {"json": render_json(source["json"], context) if source["json"] is not None else None}
    raise RenderError(f"unknown channel {channel!r}")


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
    extra = {"unsubscribe_url": unsubscribe_url} if unsubscribe_url else {}
    context = render_context(customer=customer, enrollment_context=enrollment_context, journey=journey, **extra)
    source = content_source(channel, config, template)
    parts = render_parts(channel, source, context, unsubscribe_url=unsubscribe_url)
    if channel == "webhook" and parts["json"] is None:
        parts["json"] = default_webhook_body(
            delivery_id=delivery_id,
            customer=customer,
            journey=journey,
            node_id=node_id,
            enrollment_context=enrollment_context,
        )
    return source, parts


def default_webhook_body(*, delivery_id, customer: dict, journey: dict, node_id: str, enrollment_context: dict):
    """What a webhook POSTs when its node gives no body: the customer and where they are."""
    trigger = (enrollment_context or {}).get("trigger") or {}
    return {
        "delivery_id": delivery_id,
        "journey": journey,
        "node_id": node_id,
        "customer": {
            "id": customer.get("external_id"),
            "email": customer.get("email") or None,
            "phone": customer.get("phone") or None,
            "attributes": customer.get("attributes") or {},
        },
        "event": {"name": trigger.get("event"), "properties": trigger.get("properties") or {}} if trigger else None,
    }


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
