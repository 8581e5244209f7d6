"""Messages in a test run: rendered with the real templates and channel rules, never queued.

What the delivery worker would decide about a message (no address, unsubscribed, no consent)
is worked out here too, so the marketer sees that a message would be skipped and why. Quiet
hours and frequency caps depend on other sends and the hour the real send happens, so they
are not simulated.
"""

from journeys.delivery import channels, content
from journeys.delivery.rendering import RenderError
from journeys.models import MessageTemplate, Suppression

# Public URL a rendered test message shows for its unsubscribe link: it leads nowhere real.
PREVIEW_UNSUBSCRIBE_PATH = "/u/preview/"


class MessageRenderer:
    """Renders the messages of one test run; templates and suppressions are read once."""

    def __init__(self, *, customer: dict, existing: bool, journey: dict):
        self.customer = customer
        self.journey = journey
        self._templates: dict[int, MessageTemplate | None] = {}
        self._suppressed: dict[str, set[str]] | None = None if existing else {}

    def render(self, *, channel: str, payload: dict, node_id: str, enrollment_context: dict) -> dict:
        """One message as a dict: channel, to, would_send, skip_reason, parts (or error)."""
        handler = channels.get(channel)
        template_id = payload.get("template")
        message = {
            "node_id": node_id,
            "channel": channel,
            "template": template_id,
            "to": "",
            "would_send": False,
            "skip_reason": "",
            "parts": {},
            "error": "",
        }
        if handler is None:
            message["error"] = f"unknown channel {channel!r}"
            return message
        message["to"] = handler.recipient(self.customer, payload)
        message["skip_reason"] = self._skip_reason(handler, message["to"], bool(payload.get("transactional")))
        message["would_send"] = not message["skip_reason"]
        unsubscribe = content.public_url(PREVIEW_UNSUBSCRIBE_PATH) if handler.uses_unsubscribe_link else ""
        try:
            _, parts = content.message_parts(
                channel=channel,
                config=payload,
                template=self._template(template_id),
                customer=self.customer,
                enrollment_context=enrollment_context,
                journey=self.journey,
                delivery_id=0,
                node_id=node_id,
                unsubscribe_url=unsubscribe,
            )
        except RenderError as error:
            message["error"] = str(error)
            message["would_send"] = False
            return message
        message["parts"] = parts
        return message

    def _template(self, template_id) -> MessageTemplate | None:
        if not template_id:
            return None
        if template_id not in self._templates:
            self._templates[template_id] = MessageTemplate.objects.filter(id=template_id).first()
        return self._templates[template_id]

    def _skip_reason(self, handler, recipient: str, transactional: bool) -> str:
        """Why the delivery worker would skip this message; "" when it would send it (same order of checks)."""
        if not handler.needs_consent:
            return ""
        scopes = self._suppressions().get(handler.name, set())
        if handler.address_kind and not recipient:
            return f"the customer has no {handler.address_kind}"
        if "all" in scopes:
            return f"opted out of all {handler.name} messages, transactional too"
        if transactional:
            return ""
        if "marketing" in scopes:
            return f"unsubscribed from marketing {handler.name}"
        if not handler.consented(self.customer.get("consent")):
            return f"no consent to marketing {handler.name}"
        return ""

    def _suppressions(self) -> dict[str, set[str]]:
        if self._suppressed is None:
            self._suppressed = {}
            rows = Suppression.objects.filter(customer_id=self.customer["id"]).values_list("channel", "scope")
            for channel, scope in rows:
                self._suppressed.setdefault(channel, set()).add(scope)
        return self._suppressed


def send_test_email(*, message: dict, to: str) -> str:
    """Send one rendered email of a test run to `to` now, marked as a test; the provider's message id.

    Raises TemporaryFailure, PermanentFailure or ValueError (the caller reports them per message).
    """
    handler = channels.get("email")
    handler.check_address(to)
    parts = handler.test_parts(message["parts"])
    return handler.send_test(template_id=message.get("template") or 0, parts=parts, to=to, customer=None)
