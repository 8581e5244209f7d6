"""What a channel is: the rules one way of reaching a customer brings with it.

A channel says who a message goes to (`recipient`), whether a marketing message needs the
customer's consent, which parts its content has (where they come from, how they render, which
template fields are required), how a test address is checked, what a preview looks like, which
provider sends it by default and which provider callbacks it answers. The worker, the templates
API, previews and admin ask the channel; none of them names one.
"""

from typing import ClassVar

from django.utils.html import format_html

from journeys.consent_policy import allows as consent_allows
from journeys.delivery.rendering import RenderError


class Channel:
    """Base class of every channel. Subclasses live one per module in journeys/delivery/channels/."""

    name: ClassVar[str]  # stored in Delivery.channel, MessageTemplate.channel, Suppression.channel
    label: ClassVar[str]  # for people, and the first word of its events ("SMS Delivered")
    # What a message needs on the profile ("email address"); a message to a customer without it is
    # skipped as no_address. Empty when the recipient is not a profile field.
    address_kind: ClassVar[str] = ""
    # True when the channel reaches a person: marketing messages need consent and unsubscribes
    # withdraw it. Webhooks reach systems, not people.
    needs_consent: ClassVar[bool] = True
    # The node fields that make a message without a template: the worker falls back to them when a
    # node's template was deleted, and the node's config requires them when no template is chosen.
    inline_fields: ClassVar[tuple[str, ...]] = ()
    # MessageTemplate fields a template of this channel must fill.
    template_fields: ClassVar[tuple[str, ...]] = ()
    # A small working template: what a new template starts from in admin, and what the shared channel
    # tests create through the API, preview and send.
    sample_template: ClassVar[dict] = {}
    # Messages carry an unsubscribe link ({{ unsubscribe_url }}), and a preview shows a stand-in one.
    uses_unsubscribe_link: ClassVar[bool] = False
    # A test send goes to a customer (given by id) instead of an address.
    test_sends_to_customer: ClassVar[bool] = False
    # The provider used when settings.DELIVERY_PROVIDERS names none for this channel (dotted path).
    default_provider: ClassVar[str] = ""

    # --- who and whether

    def recipient(self, customer: dict, payload: dict) -> str:
        """Where the message goes, recorded on the delivery: by default the customer's own id."""
        return customer.get("external_id") or f"customer #{customer['id']}"

    def consented(self, consent) -> bool:
        """Whether the profile's consent allows a marketing message: its state, and CONSENT_POLICY when not asked."""
        return consent_allows(consent, self.name)

    # --- content

    def content_source(self, config: dict, template) -> dict:
        """The template sources of the parts: from the chosen MessageTemplate, else the node's inline fields."""
        raise NotImplementedError

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        """Render the parts; RenderError when a template fails or a required part comes out empty."""
        raise NotImplementedError

    def complete_parts(self, parts: dict, **message) -> dict:
        """Fill in what the content left out, given the message's delivery_id, customer, journey, node_id and
        enrollment_context. Nothing by default."""
        return parts

    def template_errors(self, fields: dict) -> dict:
        """Field errors of a template's fields (the saved ones with the edit on top)."""
        return {name: "required for this channel" for name in self.template_fields if not fields.get(name)}

    # --- sending

    def outgoing(self, *, delivery_id: int, parts: dict, source: dict, config: dict, unsubscribe_url: str):
        """(parts, headers, provider config) as the provider gets them: a last touch after rendering."""
        return parts, {}, config

    def check_address(self, to: str) -> None:
        """Raise ValueError when `to` cannot receive a test send on this channel."""

    def test_parts(self, parts: dict) -> dict:
        """The parts of a test send, marked so the reader knows it is one."""
        return parts

    def send_test(self, *, template_id: int, parts: dict, to: str, customer) -> str:
        """Send a test message now, outside the outbox; the provider's message id."""
        from django.utils import timezone

        from journeys.delivery.providers import OutgoingMessage, provider_for

        stamp = int(timezone.now().timestamp() * 1000)
        message = OutgoingMessage(
            delivery_id=0,
            idempotency_key=f"cjo-test-{template_id}-{stamp}",
            customer_id=customer.id if customer else 0,
            to=to,
            parts=parts,
        )
        provider = provider_for(self.name)
        provider.open()
        try:
            return provider.send(message)
        finally:
            provider.close()

    def holds_for_outcome(self, payload: dict) -> bool:
        """True when the node keeps the customer until the send's outcome is final (see worker._release_held)."""
        return False

    # --- showing

    def admin_preview(self, parts: dict) -> str:
        """The rendered parts as safe HTML for the template's admin page."""
        text = "\n".join(str(value) for value in parts.values() if value)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    # --- inbound

    def urls(self) -> list:
        """URL patterns this channel answers under /v1/ (provider callbacks, its own API)."""
        return []


def require(condition: bool, message: str) -> None:
    """Raise the RenderError that fails one delivery when a required part came out empty."""
    if not condition:
        raise RenderError(message)
