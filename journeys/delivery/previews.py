"""Previews and test sends of a template, for a chosen customer or a sample one."""

from journeys.delivery import content, rendering
from journeys.models import Customer, Event, MessageTemplate

SAMPLE_CUSTOMER = {
    "id": 0,
    "external_id": "sample-customer",
    "email": "jane.doe@example.com",
    "phone": "+15555550100",
    "timezone": "Europe/Paris",
    "attributes": {"first_name": "Jane", "last_name": "Doe", "plan": "pro", "city": "Paris"},
}
SAMPLE_EVENT = {"event": "Order Completed", "properties": {"order_id": "A-1001", "total": 42.5, "currency": "EUR"}}
EMPTY_PARTS = {"subject": "", "html": "", "text": "", "body": "", "title": "", "url": "", "json": None}


def _customer_data(customer: Customer | None) -> tuple[dict, dict]:
    """(customer data, enrollment-like context) for rendering."""
    if customer is None:
        return SAMPLE_CUSTOMER, {"trigger": SAMPLE_EVENT}
    data = {
        "id": customer.id,
        "external_id": customer.external_id,
        "email": customer.email,
        "phone": customer.phone,
        "timezone": customer.timezone,
        "attributes": customer.attributes,
    }
    # The customer's latest event stands in for the event that would have entered them.
    last = Event.objects.filter(customer=customer, type="track").order_by("-received_at", "-id").first()
    trigger = {"event": last.name, "properties": last.properties} if last else {}
    return data, {"trigger": trigger} if trigger else {}


def template_preview(*, template: MessageTemplate, customer: Customer | None) -> dict:
    """The rendered parts of a template for this customer (or the sample one); RenderError when it fails."""
    data, context = _customer_data(customer)
    uses_link = content.channel_for(template.channel).uses_unsubscribe_link
    unsubscribe = content.public_url("/u/preview/") if uses_link else ""
    _, parts = content.message_parts(
        channel=template.channel,
        config={},
        template=template,
        customer=data,
        enrollment_context=context,
        journey={"id": 0, "name": "Preview"},
        delivery_id=0,
        node_id="preview",
        unsubscribe_url=unsubscribe,
    )
    render_context = content.render_context(
        customer=data, enrollment_context=context, journey={"id": 0, "name": "Preview"}
    )
    return {**EMPTY_PARTS, **parts, "warnings": _warnings(template, render_context)}


def _warnings(template: MessageTemplate, render_context: dict) -> list[str]:
    """Variables the template reads that rendered empty here: a typo, or data this customer lacks."""
    sources = [template.subject, template.html, template.text, template.body, *_strings(template.webhook_body)]
    missing: list[str] = []
    for source in sources:
        missing += [name for name in rendering.missing_variables(source, render_context) if name not in missing]
    return [f"{name} is not in this preview's data, so it renders empty" for name in missing]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return []


def template_send_test(*, template: MessageTemplate, to: str, customer: Customer | None) -> str:
    """Render for the customer (or the sample one) and send right now to `to`; the provider's id.

    Raises RenderError, TemporaryFailure, PermanentFailure or ValueError: the caller shows them.
    """
    channel = content.channel_for(template.channel)
    parts = channel.test_parts(template_preview(template=template, customer=customer))
    return channel.send_test(template_id=template.id, parts=parts, to=to, customer=customer)
