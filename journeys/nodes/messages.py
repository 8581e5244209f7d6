"""The four message actions. Each writes a Delivery to the outbox; delivery workers render and send it.

Content is either a MessageTemplate (`template`) or the node's inline fields. Nothing is
rendered here: the engine only records the intent, so its transaction stays cheap.
"""

from datetime import timedelta

from rest_framework import serializers

from journeys.delivery import channels
from journeys.models import MessageTemplate
from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome, SendMessage

# How long a customer waits at a webhook node for its outcome before taking the failed port.
WEBHOOK_HOLD_SECONDS = 2 * 86400


def _template_field(channel: str):
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A saved template; when chosen it replaces the inline content below.",
        style={"widget": "template", "channel": channel},
    )


class MessageConfig(serializers.Serializer):
    channel = ""

    transactional = serializers.BooleanField(
        default=False,
        help_text="Transactional messages (receipts, password resets) skip marketing consent, caps and quiet hours;"
        " never a customer's opt-out from all messages.",
    )

    def validate_template(self, value):
        if value is None:
            return None
        channel = MessageTemplate.objects.filter(id=value).values_list("channel", flat=True).first()
        if channel is None:
            raise serializers.ValidationError(f"template {value} does not exist")
        if channel != self.channel:
            raise serializers.ValidationError(f"template {value} is a {channel} template, not {self.channel}")
        return value

    def validate(self, data):
        if data.get("template") is None:
            data.pop("template", None)
            # Worded as DRF words a missing field; the help text tells that a template can stand in.
            # The channel names the fields that make a message without a template.
            inline_fields = channels.get(self.channel).inline_fields
            missing = {name: "This field is required." for name in inline_fields}
            missing = {name: message for name, message in missing.items() if not data.get(name)}
            if missing:
                raise serializers.ValidationError(missing)
        return data


class MarketingConfig(MessageConfig):
    when_capped = serializers.ChoiceField(
        choices=[("skip", "Skip the message"), ("delay", "Send it when the cap allows")],
        default="skip",
        help_text="What happens when the customer already got the most messages the frequency cap allows.",
    )


class EmailConfig(MarketingConfig):
    channel = "email"

    template = _template_field("email")
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=100_000,
        required=False,
        allow_blank=True,
        help_text='HTML body; {{ customer.first_name|default:"there" }} personalises.',
        style={"widget": "html"},
    )
    text = serializers.CharField(
        max_length=100_000,
        required=False,
        allow_blank=True,
        help_text="Plain-text part; made from the HTML when empty.",
        style={"widget": "textarea"},
    )


class SmsConfig(MarketingConfig):
    channel = "sms"

    template = _template_field("sms")
    body = serializers.CharField(max_length=1600, required=False, allow_blank=True, style={"widget": "textarea"})


class WebhookConfig(MessageConfig):
    channel = "webhook"

    # Required whether or not a template is chosen: a template only gives the body.
    url = serializers.URLField(max_length=2000, help_text="Receives a signed POST (see docs/delivery.md).")
    template = _template_field("webhook")
    body = serializers.JSONField(
        required=False,
        default=dict,
        help_text="JSON to send (its strings are templates); empty sends the customer and the journey.",
    )
    wait_for_outcome = serializers.BooleanField(
        default=False,
        help_text="Hold customers here until the webhook is delivered (then next) or finally fails (then failed).",
    )


class InAppConfig(MarketingConfig):
    channel = "in_app"

    template = _template_field("in_app")
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(max_length=5000, required=False, allow_blank=True, style={"widget": "textarea"})
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, help_text="Opened on a tap.")


class SendNode(NodeType):
    category = "action"
    channel: str
    # The title's prefix ("Email: Basket reminder") and the inline field that best names the content.
    title_prefix: str
    title_field = "body"

    def describe(self, config: dict) -> str:
        if config.get("template"):
            # Titles name a saved template, as the marketer chose it, not by its number.
            name = MessageTemplate.objects.filter(id=config["template"]).values_list("name", flat=True).first()
            return f"{self.title_prefix}: {name or 'template ' + str(config['template'])}"
        content = config.get(self.title_field)
        return f"{self.title_prefix}: {content}" if isinstance(content, str) and content else self.label

    def run(self, ctx: NodeContext) -> Outcome:
        return Outcome.go("next", f"queued {self.label.lower()}", intents=[SendMessage(self.channel, dict(ctx.config))])


@register
class SendEmail(SendNode):
    kind, label, channel = "send_email", "Send email", "email"
    title_prefix, title_field = "Email", "subject"
    description = "Sends an email to the customer's address, with an unsubscribe link."
    Config = EmailConfig


@register
class SendSms(SendNode):
    kind, label, channel = "send_sms", "Send SMS", "sms"
    title_prefix = "SMS"
    description = "Sends a text message to the customer's phone."
    Config = SmsConfig


@register
class SendWebhook(SendNode):
    kind, label, channel = "send_webhook", "Send webhook", "webhook"
    title_prefix, title_field = "Webhook", "url"
    description = (
        "POSTs signed JSON about the customer to a URL. With 'wait for outcome', customers wait here and leave"
        " through failed when it finally fails."
    )
    ports = ("next", "failed")
    Config = WebhookConfig

    def output_ports(self, config: dict) -> list[str]:
        return ["next", "failed"] if config.get("wait_for_outcome") else ["next"]

    def run(self, ctx: NodeContext) -> Outcome:
        intent = SendMessage(self.channel, dict(ctx.config))
        if not ctx.config.get("wait_for_outcome"):
            return Outcome.go("next", "queued webhook", intents=[intent])
        # The delivery worker wakes the customer through next or failed once the outcome is final.
        outcome = Outcome.wait(
            until=ctx.now + timedelta(seconds=WEBHOOK_HOLD_SECONDS),
            port="failed",
            reason="waiting for the webhook to be delivered",
        )
        outcome.intents.append(intent)
        return outcome


@register
class SendInApp(SendNode):
    kind, label, channel = "send_in_app", "In-app message", "in_app"
    title_prefix, title_field = "In-app", "title"
    description = "Shows a message in your app the next time the customer opens it."
    Config = InAppConfig
