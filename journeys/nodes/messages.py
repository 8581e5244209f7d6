"""The four message actions. Each writes a Delivery to the outbox; channels send it later."""

from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome, SendMessage


class MessageConfig(serializers.Serializer):
    transactional = serializers.BooleanField(
        default=False, help_text="Transactional messages skip marketing consent checks (not unsubscribes)."
    )


class EmailConfig(MessageConfig):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=100_000, help_text="HTML body; {{ customer.first_name }} personalises.")


class SmsConfig(MessageConfig):
    body = serializers.CharField(max_length=1600)


class WebhookConfig(MessageConfig):
    url = serializers.URLField(max_length=2000)
    body = serializers.JSONField(required=False, default=dict, help_text="JSON to send; defaults to the customer.")


class InAppConfig(MessageConfig):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)


class SendNode(NodeType):
    category = "action"
    channel: str

    def run(self, ctx: NodeContext) -> Outcome:
        return Outcome.go("next", f"queued {self.label.lower()}", intents=[SendMessage(self.channel, dict(ctx.config))])


@register
class SendEmail(SendNode):
    kind, label, channel = "send_email", "Send email", "email"
    description = "Sends an email to the customer's address."
    Config = EmailConfig


@register
class SendSms(SendNode):
    kind, label, channel = "send_sms", "Send SMS", "sms"
    description = "Sends a text message to the customer's phone."
    Config = SmsConfig


@register
class SendWebhook(SendNode):
    kind, label, channel = "send_webhook", "Send webhook", "webhook"
    description = "POSTs JSON about the customer to a URL."
    Config = WebhookConfig


@register
class SendInApp(SendNode):
    kind, label, channel = "send_in_app", "In-app message", "in_app"
    description = "Shows a message in your app the next time the customer opens it."
    Config = InAppConfig
