"""In-app messages: stored in the customer's inbox, which their app reads through /v1/in-app/messages."""

from django.urls import path
from django.utils import timezone

from journeys.delivery import views
from journeys.delivery.channels import register
from journeys.delivery.channels.base import Channel, require
from journeys.delivery.rendering import render_string
from journeys.models import InAppMessage


@register
class InApp(Channel):
    name, label = "in_app", "In-App Message"
    inline_fields = ("title", "body")
    template_fields = ("subject", "body")  # the template's subject is the message's title
    sample_template = {"subject": "Hi {{ customer.first_name|default:'there' }}", "body": "Your order has shipped."}
    test_sends_to_customer = True
    default_provider = "journeys.delivery.providers.InAppProvider"

    def content_source(self, config: dict, template) -> dict:
        if template is not None:
            return {"title": template.subject, "body": template.body, "url": config.get("url", "")}
        return {"title": config.get("title", ""), "body": config.get("body", ""), "url": config.get("url", "")}

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        title = render_string(source["title"], context).strip()
        body = render_string(source["body"], context).strip()
        require(bool(title or body), "the in-app message is empty")
        return {"title": title[:300], "body": body[:5000], "url": render_string(source.get("url", ""), context)}

    def send_test(self, *, template_id: int, parts: dict, to: str, customer) -> str:
        # Straight into the customer's inbox: there is no address to send to and no delivery row.
        if customer is None:
            raise ValueError("in-app test messages go to a customer: give customer_id")
        stored = InAppMessage.objects.create(
            customer=customer,
            title=f"[Test] {parts['title']}"[:300],
            body=parts["body"][:5000],
            url=parts["url"][:2000],
            created_at=timezone.now(),
        )
        return f"in-app-{stored.id}"

    def admin_preview(self, parts: dict) -> str:
        return super().admin_preview({"title": parts["title"], "body": parts["body"]})

    def urls(self) -> list:
        return [
            path("in-app/messages", views.in_app_messages, name="in-app-messages"),
            path("in-app/messages/<int:message_id>/read", views.in_app_mark, {"action": "read"}, name="in-app-read"),
            path(
                "in-app/messages/<int:message_id>/dismiss",
                views.in_app_mark,
                {"action": "dismiss"},
                name="in-app-dismiss",
            ),
        ]
