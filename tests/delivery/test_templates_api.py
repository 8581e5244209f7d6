import pytest
from rest_framework.test import APIClient

from journeys.models import MessageTemplate
from journeys.roles import MARKETERS, REVIEWERS
from tests.delivery.peers import SmtpPeer
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATE = {
    "name": "Welcome",
    "channel": "email",
    "subject": "Welcome {{ customer.first_name|default:'there' }}",
    "html": "<p>Hello {{ customer.first_name|default:'there' }} from {{ customer.city }}</p>",
}


def api(role=None):
    client = APIClient()
    if role:
        client.force_authenticate(make_user(role=role))
    return client


def test_marketers_create_list_by_channel_and_edit_templates():
    marketer = api(MARKETERS)
    created = marketer.post("/api/templates/", EMAIL_TEMPLATE, format="json")
    marketer.post("/api/templates/", {"name": "Code", "channel": "sms", "body": "Code {{ event.properties.code }}"})

    assert created.status_code == 201
    listing = marketer.get("/api/templates/?channel=email").json()
    assert listing["count"] == 1 and listing["results"][0]["name"] == "Welcome"
    assert {"id", "name", "channel", "subject", "html"} <= set(listing["results"][0])
    template_id = created.json()["id"]
    assert marketer.patch(f"/api/templates/{template_id}/", {"name": "Hello"}, format="json").status_code == 200
    assert MessageTemplate.objects.get(id=template_id).name == "Hello"


def test_reviewers_read_and_preview_but_cannot_write_and_strangers_get_nothing():
    template = MessageTemplate.objects.create(**EMAIL_TEMPLATE)
    reviewer = api(REVIEWERS)

    assert reviewer.get("/api/templates/").status_code == 200
    assert reviewer.post(f"/api/templates/{template.id}/preview/", {}, format="json").status_code == 200
    assert reviewer.post("/api/templates/", EMAIL_TEMPLATE, format="json").status_code == 403
    assert reviewer.delete(f"/api/templates/{template.id}/").status_code == 403
    assert reviewer.post(f"/api/templates/{template.id}/send-test/", {"to": "a@example.com"}).status_code == 403
    assert api().get("/api/templates/").status_code in (401, 403)
    assert api("nobody").get("/api/templates/").status_code == 403


def test_a_template_with_a_blocked_tag_or_missing_parts_is_refused():
    marketer = api(MARKETERS)
    debug = marketer.post("/api/templates/", {**EMAIL_TEMPLATE, "html": "{% debug %}"}, format="json")
    empty = marketer.post("/api/templates/", {"name": "x", "channel": "sms", "body": ""}, format="json")
    assert debug.status_code == 400 and "debug" in str(debug.json())
    assert empty.status_code == 400 and "body" in empty.json()


def test_preview_renders_for_a_sample_customer_or_a_chosen_one():
    template = MessageTemplate.objects.create(**EMAIL_TEMPLATE)
    make_customer(external_id="ada", attributes={"first_name": "Ada", "city": "<London>"})
    marketer = api(MARKETERS)

    sample = marketer.post(f"/api/templates/{template.id}/preview/", {"customer_id": None}, format="json").json()
    ada = marketer.post(f"/api/templates/{template.id}/preview/", {"customer_id": "ada"}, format="json").json()
    missing = marketer.post(f"/api/templates/{template.id}/preview/", {"customer_id": "nobody"}, format="json")

    assert sample["subject"] == "Welcome Jane" and "from Paris" in sample["html"]
    assert ada["subject"] == "Welcome Ada" and "from &lt;London&gt;" in ada["html"]
    assert "from <London>" in ada["text"]
    assert {"subject", "html", "text", "body"} <= set(ada)
    assert missing.status_code == 400


def test_preview_warns_about_each_variable_that_renders_empty():
    template = MessageTemplate.objects.create(
        name="Order",
        channel="email",
        subject="Order {{ context.order_id }} for {{ customer.first_name }}",
        html="<p>{{ customer.first_name|default:'there' }} in {{ customer.city }}, {{ context.order_id }}</p>",
    )
    make_customer(external_id="bob", attributes={"first_name": "Bob"})

    preview = api(MARKETERS).post(f"/api/templates/{template.id}/preview/", {"customer_id": "bob"}, format="json")

    assert preview.status_code == 200
    assert preview.json()["warnings"] == [
        "context.order_id is not in this preview's data, so it renders empty",
        "customer.city is not in this preview's data, so it renders empty",
    ]


def test_send_test_delivers_a_real_email_to_the_given_address(settings):
    template = MessageTemplate.objects.create(**EMAIL_TEMPLATE)
    with SmtpPeer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        response = api(MARKETERS).post(f"/api/templates/{template.id}/send-test/", {"to": "me@example.com"})
        bad = api(MARKETERS).post(f"/api/templates/{template.id}/send-test/", {"to": "not an address"})

    assert response.status_code == 200 and response.json()["sent"] is True
    [message] = smtp.messages
    assert message["To"] == "me@example.com" and message["Subject"] == "[Test] Welcome Jane"
    assert bad.status_code == 400


def test_send_test_of_an_in_app_template_lands_in_the_named_customers_inbox():
    from journeys.models import InAppMessage

    ada = make_customer(external_id="ada", attributes={"first_name": "Ada"})
    template = MessageTemplate.objects.create(
        name="Promo", channel="in_app", subject="Hi {{ customer.first_name }}", body="20% off"
    )

    response = api(MARKETERS).post(f"/api/templates/{template.id}/send-test/", {"to": "ada"})
    unknown = api(MARKETERS).post(f"/api/templates/{template.id}/send-test/", {"to": "nobody"})

    assert response.status_code == 200, response.json()
    [message] = InAppMessage.objects.all()
    assert message.customer == ada and message.title == "[Test] Hi Ada" and message.body == "20% off"
    assert response.json()["provider_message_id"] == f"in-app-{message.id}"
    assert unknown.status_code == 400


def test_the_node_catalog_offers_the_template_field_with_widget_hints():
    from journeys.api.node_types import node_type_catalog

    email = next(kind for kind in node_type_catalog() if kind["kind"] == "send_email")
    fields = {field["name"]: field for field in email["config"]}
    assert fields["template"]["required"] is False
    assert fields["subject"]["required"] is False and fields["body"]["required"] is False
    webhook = next(kind for kind in node_type_catalog() if kind["kind"] == "send_webhook")
    assert webhook["ports"] == ["next", "failed"]


def test_a_node_refuses_a_template_of_another_channel():
    from journeys import nodes

    sms = MessageTemplate.objects.create(name="Code", channel="sms", body="Hi")
    node_type = nodes.get("send_email")
    _, errors = node_type.clean_config({"template": sms.id})
    assert "template" in errors
    config, errors = node_type.clean_config({"template": MessageTemplate.objects.create(**EMAIL_TEMPLATE).id})
    assert errors == {} and "subject" not in config


def test_test_sends_are_audited_and_share_one_hourly_budget_with_test_runs(settings, monkeypatch):
    from django.test import Client

    from journeys.delivery import test_sends
    from journeys.models import AuditEntry
    from tests.api.test_journeys_api import welcome_graph
    from tests.api.test_test_runs_api import made_up, start_test_run
    from tests.factories import make_journey

    monkeypatch.setattr(test_sends, "MAX_PER_HOUR", 2)
    template = MessageTemplate.objects.create(**EMAIL_TEMPLATE)
    journey = make_journey(graph=welcome_graph(), publish=False)
    marketer = make_user(role=MARKETERS)
    client = APIClient()
    client.force_authenticate(marketer)
    with SmtpPeer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        first = client.post(f"/api/templates/{template.id}/send-test/", {"to": "me@example.com"})
        browser = Client()
        browser.force_login(marketer)
        run = start_test_run(browser, journey, {**made_up(), "send_to": "qa@example.com"})
        over = client.post(f"/api/templates/{template.id}/send-test/", {"to": "me@example.com"})
        other = api(MARKETERS).post(f"/api/templates/{template.id}/send-test/", {"to": "them@example.com"})

    assert first.status_code == 200 and run.status_code == 200
    assert over.status_code == 429 and "at most 2 test messages an hour" in over.json()["detail"]
    assert other.status_code == 200  # the budget is each person's own
    assert len(smtp.messages) == 3
    assert list(AuditEntry.objects.filter(actor_id=marketer.pk).order_by("id").values_list("action", "diff__to")) == [
        ("template.send_test", "me@example.com"),
        ("journey.test_send", "qa@example.com"),
    ]


def test_a_template_says_which_journeys_still_send_it():
    from tests.delivery.helpers import message_journey

    template = MessageTemplate.objects.create(**EMAIL_TEMPLATE)
    unused = MessageTemplate.objects.create(**{**EMAIL_TEMPLATE, "name": "Unused"})
    journey = message_journey("send_email", {"template": template.id})
    client = api(MARKETERS)

    detail = client.get(f"/api/templates/{template.id}/").json()
    listed = client.get("/api/templates/").json()["results"]

    assert detail["sent_by"] == [{"id": journey.id, "name": journey.name, "status": "live"}]
    assert client.get(f"/api/templates/{unused.id}/").json()["sent_by"] == []
    assert all(item["sent_by"] == [] for item in listed)  # not worked out for lists
    assert client.delete(f"/api/templates/{template.id}/").status_code == 409
