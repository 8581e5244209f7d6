import pytest
from django.urls import reverse

from journeys.models import Delivery, MessageTemplate
from journeys.roles import MARKETERS, REVIEWERS
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


def staff(client, role):
    user = make_user(role=role, is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_delivery", "view_messagetemplate", "change_messagetemplate"])
    )
    client.force_login(user)
    return client


def failed_delivery(source):
    make_customer(external_id="ada")
    message_journey("send_webhook", {"url": "http://10.0.0.1/hook"})
    enter(source, "ada")
    send_all()
    delivery = delivery_of("ada")
    assert delivery.status == "failed"
    return delivery


def test_the_delivery_log_filters_by_status_and_skip_reason(admin_client, source):
    failed_delivery(source)
    changelist = reverse("admin:journeys_delivery_changelist")
    assert admin_client.get(changelist + "?status=failed").context["cl"].result_count == 1
    assert admin_client.get(changelist + "?status=sent").context["cl"].result_count == 0
    assert admin_client.get(changelist + "?skip_reason=capped").context["cl"].result_count == 0
    page = admin_client.get(reverse("admin:journeys_delivery_change", args=[delivery_of("ada").id]))
    assert "refused" in page.content.decode()


def test_retry_queues_failed_deliveries_again_for_marketers(client, source, settings):
    delivery = failed_delivery(source)
    settings.WEBHOOK_ALLOWLIST = ["10.0.0.0/8"]
    changelist = reverse("admin:journeys_delivery_changelist")

    reviewer = staff(client, REVIEWERS)
    reviewer.post(changelist, {"action": "retry", "_selected_action": [delivery.id]})
    assert Delivery.objects.get(id=delivery.id).status == "failed"

    marketer = staff(client, MARKETERS)
    response = marketer.post(changelist, {"action": "retry", "_selected_action": [delivery.id]})
    assert response.status_code == 302
    retried = Delivery.objects.get(id=delivery.id)
    assert (retried.status, retried.attempts, retried.error) == ("queued", 0, "")


def test_the_template_admin_shows_a_sandboxed_preview(admin_client):
    template = MessageTemplate.objects.create(
        name="Welcome", channel="email", subject="Hi {{ customer.first_name }}", html="<p>Hello</p><script>1</script>"
    )
    page = admin_client.get(reverse("admin:journeys_messagetemplate_change", args=[template.id])).content.decode()
    assert "Hi Jane" in page
    assert "<iframe sandbox" in page and "<script>1</script>" not in page
