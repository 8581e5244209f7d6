import pytest
from django.core import mail

from journeys.models import MessageTemplate
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_node_with_a_template_sends_the_templates_content_read_at_send_time(source):
    template = MessageTemplate.objects.create(
        name="Welcome", channel="email", subject="Hello {{ customer.first_name }}", html="<p>v1</p>"
    )
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True}, attributes={"first_name": "Ada"})
    message_journey("send_email", {"template": template.id})
    enter(source, "ada")
    template.html = "<p>v2 for {{ customer.first_name }}</p>"
    template.save()

    send_all()

    [message] = mail.outbox
    assert message.subject == "Hello Ada"
    assert "v2 for Ada" in message.alternatives[0][0]
    delivery = delivery_of("ada")
    assert delivery.template_id == template.id and delivery.status == "sent"


def test_a_deleted_template_falls_back_to_the_inline_content_or_fails_that_delivery(source):
    template = MessageTemplate.objects.create(name="T", channel="sms", body="From the template")
    make_customer(external_id="ada", phone="+15550001", consent={"sms": True})
    make_customer(external_id="bob", phone="+15550002", consent={"sms": True})
    message_journey("send_sms", {"template": template.id, "body": "Inline"}, event="A")
    message_journey("send_sms", {"template": template.id}, event="B")
    enter(source, "ada", event="A")
    enter(source, "bob", event="B")
    template.delete()

    send_all()

    ada, bob = delivery_of("ada"), delivery_of("bob")
    assert (ada.status, ada.rendered["body"], ada.template_id) == ("sent", "Inline", None)
    assert bob.status == "failed" and "no longer exists" in bob.error
