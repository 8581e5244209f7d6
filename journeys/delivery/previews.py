"""Previews and test sends of a template, for a chosen customer or a sample one."""

from django.utils import timezone

from journeys.delivery import content
from journeys.delivery.providers import OutgoingMessage, provider_for
from journeys.models import Customer, Event, InAppMessage, MessageTemplate

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
    _, parts = content.message_parts(
        channel=template.channel,
        config={},
        template=template,
        customer=data,
        enrollment_context=context,
        journey={"id": 0, "name": "Preview"},
        delivery_id=0,
        node_id="preview",
        unsubscribe_url=content.public_url("/u/preview/") if template.channel == "email" else "",
    )
    return {**EMPTY_PARTS, **parts}


def template_send_test(*, template: MessageTemplate, to: str, customer: Customer | None) -> str:
    """Render for the customer (or the sample one) and send right now to `to`; the provider's id.

    Raises RenderError, TemporaryFailure or PermanentFailure: the caller shows them.
    """
    parts = template_preview(template=template, customer=customer)
    if template.channel == "in_app":
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
    if template.channel == "email":
        parts["subject"] = f"[Test] {parts['subject']}"
    stamp = int(timezone.now().timestamp() * 1000)
    message = OutgoingMessage(
        delivery_id=0,
        idempotency_key=f"cjo-test-{template.id}-{stamp}",
        customer_id=customer.id if customer else 0,
        to=to,
        parts=parts,
    )
    provider = provider_for(template.channel)
    provider.open()
    try:
        return provider.send(message)
    finally:
        provider.close()
