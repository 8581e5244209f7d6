"""The admin's template form is held to the templates API's rules (security review, finding 8).

It used to parse webhook_body with Django's json.loads (a RecursionError or a database error on
deep nesting, NUL or NaN: 500s) and to save templates the API refuses (an unterminated tag), whose
every send then failed.
"""

import pytest
from django.urls import reverse

from journeys.models import MessageTemplate

pytestmark = pytest.mark.django_db

ADD = reverse("admin:journeys_messagetemplate_add")


def form(**fields) -> dict:
    return {
        "name": "probe",
        "channel": "email",
        "description": "",
        "subject": "Hello",
        "html": "<p>Hi</p>",
        "text": "",
        "body": "",
        "webhook_body": "{}",
        **fields,
    }


@pytest.mark.parametrize(
    "webhook_body",
    ["[" * 5000 + "]" * 5000, '{"a": "\\u0000"}', '{"a": NaN}'],
    ids=["deep", "nul", "nan"],
)
def test_webhook_json_the_api_would_refuse_is_a_form_error(admin_client, webhook_body):
    response = admin_client.post(ADD, form(channel="webhook", webhook_body=webhook_body))

    assert response.status_code == 200
    assert "webhook_body" in response.context["adminform"].form.errors
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"html": "{% for a in 'xx' %}"}, {"subject": "Hi {{ customer.name|nosuchfilter }}"}, {"subject": ""}],
    ids=["unterminated-tag", "unknown-filter", "no-subject"],
)
def test_a_template_the_api_would_refuse_is_not_saved(admin_client, fields):
    response = admin_client.post(ADD, form(**fields))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not MessageTemplate.objects.exists()


def test_editing_a_saved_template_into_a_broken_one_is_refused(admin_client):
    template = MessageTemplate.objects.create(name="Welcome", channel="sms", body="Hi {{ customer.first_name }}")
    change = reverse("admin:journeys_messagetemplate_change", args=[template.id])

    refused = admin_client.post(change, form(name="Welcome", channel="sms", subject="", html="", body="{% if %}"))
    saved = admin_client.post(change, form(name="Welcome", channel="sms", subject="", html="", body="Hi again"))

    assert refused.status_code == 200 and refused.context["adminform"].form.errors
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(id=template.id).body == "Hi again"


def test_good_templates_still_save(admin_client):
    email = admin_client.post(ADD, form())
    webhook = admin_client.post(ADD, form(name="hook", channel="webhook", webhook_body='{"user": "{{ customer.id }}"}'))
    # An emptied JSON box is "no body" (the model's default), not a NULL the column refuses.
    emptied = admin_client.post(ADD, form(name="no body", webhook_body=""))

    assert (email.status_code, webhook.status_code, emptied.status_code) == (302, 302, 302)
    assert MessageTemplate.objects.get(name="hook").webhook_body == {"user": "{{ customer.id }}"}
    assert MessageTemplate.objects.get(name="no body").webhook_body == {}
