"""Webhooks: signed JSON POSTed to the node's URL. They reach systems, not people: no consent, no address."""

from rest_framework import serializers

from journeys.delivery.channels import register
from journeys.delivery.channels.base import Channel
from journeys.delivery.rendering import render_json


@register
class Webhook(Channel):
    name, label = "webhook", "Webhook"
    needs_consent = False
    inline_fields = ("url",)
    sample_template = {"webhook_body": {"user": "{{ customer.id }}", "order": "{{ event.properties.order_id }}"}}
    default_provider = "journeys.delivery.providers.WebhookProvider"

    def recipient(self, customer: dict, payload: dict) -> str:
        return str(payload.get("url") or "")

    def content_source(self, config: dict, template) -> dict:
        if template is not None:
            return {"json": template.webhook_body or None}
        return {"json": config.get("body") or None}

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        return {"json": render_json(source["json"], context) if source["json"] is not None else None}

    def complete_parts(self, parts: dict, **message) -> dict:
        if parts["json"] is None:
            parts["json"] = default_body(**message)
        return parts

    def check_address(self, to: str) -> None:
        try:
            serializers.URLField().run_validation(to)
        except serializers.ValidationError:
            raise ValueError("not a URL") from None

    def holds_for_outcome(self, payload: dict) -> bool:
        return bool(payload.get("wait_for_outcome"))

    def admin_preview(self, parts: dict) -> str:
        from journeys.admin import pretty_json

        return pretty_json(parts["json"])


def default_body(*, delivery_id, customer: dict, journey: dict, node_id: str, enrollment_context: dict | None):
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
