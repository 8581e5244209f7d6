"""Email: to the profile's address, with an unsubscribe link, tracked links and a JSON status callback."""

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.html import escape, format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from journeys.delivery import content
from journeys.delivery.channels import register
from journeys.delivery.channels.base import Channel, require
from journeys.delivery.rendering import render_string, text_from_html
from journeys.delivery.views import MAX_CALLBACK_BYTES, apply_callback, bearer_ok


@register
class Email(Channel):
    name, label = "email", "Email"
    address_kind = "email address"
    inline_fields = ("subject", "body")
    template_fields = ("subject",)
    sample_template = {
        "subject": "Hello {{ customer.first_name|default:'there' }}",
        "html": "<p>Your order {{ event.properties.order_id }} is on its way.</p>",
    }
    uses_unsubscribe_link = True
    default_provider = "journeys.delivery.providers.EmailProvider"

    def recipient(self, customer: dict, payload: dict) -> str:
        return customer.get("email") or ""

    def content_source(self, config: dict, template) -> dict:
        if template is not None:
            return {"subject": template.subject, "html": template.html, "text": template.text}
        return {"subject": config.get("subject", ""), "html": config.get("body", ""), "text": config.get("text", "")}

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        subject = " ".join(render_string(source["subject"], context).split())
        html = render_string(source["html"], context, html=True)
        text = render_string(source["text"], context) if source["text"] else text_from_html(html)
        require(bool(subject), "the email has no subject")
        require(bool(html.strip() or text.strip()), "the email has no content")
        if unsubscribe_url and unsubscribe_url not in html:
            # Every email carries a way out, even when the template forgot it.
            link = f'<p style="font-size:12px;color:#666"><a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>'
            html = html + "\n" + link if html.strip() else ""
        if unsubscribe_url and unsubscribe_url not in text:
            text = f"{text}\n\n--\nUnsubscribe: {unsubscribe_url}"
        return {"subject": subject[:998], "html": html, "text": text}

    def template_errors(self, fields: dict) -> dict:
        errors = super().template_errors(fields)
        if not (fields.get("html") or fields.get("text")):
            errors["html"] = "an email needs an HTML or a text part"
        return errors

    def outgoing(self, *, delivery_id: int, parts: dict, source: dict, config: dict, unsubscribe_url: str):
        headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        if settings.EMAIL_TRACKING and parts["html"]:
            parts["html"] = content.add_tracking(
                parts["html"], delivery_id, keep=unsubscribe_url, hosts=content.literal_hosts(source.get("html") or "")
            )
        return parts, headers, config

    def check_address(self, to: str) -> None:
        try:
            validate_email(to)
        except ValidationError:
            raise ValueError("not an email address") from None

    def test_parts(self, parts: dict) -> dict:
        return {**parts, "subject": f"[Test] {parts['subject']}"}

    def admin_preview(self, parts: dict) -> str:
        # The HTML is shown in a sandboxed frame: scripts in it cannot run in the admin's origin.
        return format_html(
            '<p><strong>{}</strong></p><iframe sandbox srcdoc="{}" style="width:100%;height:320px;'
            'border:1px solid #ccc"></iframe><pre style="white-space:pre-wrap">{}</pre>',
            parts["subject"],
            parts["html"],
            parts["text"],
        )

    def urls(self) -> list:
        return [path("callbacks/email/", email_callback, name="callback-email")]


@csrf_exempt
@require_POST
def email_callback(request: HttpRequest):
    """JSON status reports: {"events": [{"delivery_id" | "message_id", "event", "timestamp", "url", "bounce_type"}]}."""
    if not bearer_ok(request):
        return JsonResponse({"error": "unauthorized"}, status=401)
    if len(request.body) > MAX_CALLBACK_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    try:
        data = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    events = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(events, list) or len(events) > 1000:
        return JsonResponse({"error": "events must be a list of at most 1000 objects"}, status=400)
    results = [apply_callback(event, channel=Email.name) for event in events]
    return JsonResponse({"accepted": results.count("ok"), "results": results})
