"""docs/delivery.md's example of an API entry's payload, entered through the API and sent for real."""

import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from journeys.delivery import content, rendering
from journeys.engine.tick import tick
from journeys.roles import MARKETERS
from tests.api.test_journeys_api import enroll, token_for
from tests.delivery.helpers import send_all
from tests.factories import make_customer, make_graph, make_journey, node

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "delivery.md"


def docs_block(name: str) -> str:
    """The fenced block right after `<!-- api-payload-example: name -->` in the docs."""
    found = re.search(rf"<!-- api-payload-example: {name} -->\n```\w*\n(.*?)\n```", DOCS.read_text(), re.DOTALL)
    assert found, f"docs/delivery.md lost its {name} example"
    return found.group(1)


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_documented_template_renders_the_documented_payload():
    request, template = json.loads(docs_block("request")), docs_block("template")
    make_customer(external_id=request["customer_id"], email="ada@example.com", consent={"email": True})
    graph = make_graph(
        [node("start", "api_trigger"), node("email", "send_email", {"subject": "Your order", "body": template})],
        [("start", "next", "email")],
    )
    journey = make_journey(graph=graph)

    response = enroll(Client(), journey, request["customer_id"], context=request["context"], **token_for(MARKETERS))
    assert response.status_code == 201, response.content
    tick()
    send_all()

    [message] = mail.outbox
    assert message.body.splitlines()[0] == "Order A-1001: Rain jacket and more, 89.5 EUR."


def test_the_older_spelling_still_reads_the_payload_and_journey_keys_win_a_clash():
    context = content.render_context(
        customer={"external_id": "c1"}, enrollment_context={"api": {"order_id": "A-7", "visits": 99}, "visits": {}}
    )
    assert rendering.render_string("{{ context.order_id }}/{{ context.api.order_id }}", context) == "A-7/A-7"


def test_missing_variables_names_what_renders_empty_and_spares_defaults_and_loop_variables():
    context = content.render_context(
        customer={"external_id": "c1", "attributes": {"first_name": "Ada"}},
        enrollment_context={"trigger": {"event": "Order Completed", "properties": {"items": [{"name": "x"}]}}},
    )
    source = (
        "Hi {{ customer.first_name }} {{ customer.last_name }}, {{ context.order_id }}"
        "{% for item in event.properties.items %}{{ item.name }}{% endfor %}"
        "{{ event.properties.items.0.name }} {{ event.properties.coupon|default:'none' }}"
        "{% if context.vip %}VIP{% endif %}"
    )
    assert rendering.missing_variables(source, context) == ["customer.last_name", "context.order_id", "context.vip"]
