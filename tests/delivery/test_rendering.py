import pytest

from journeys.delivery.content import render_context
from journeys.delivery.rendering import RenderError, render_json, render_string, sandboxed
from journeys.models import Delivery
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.factories import make_customer

CUSTOMER = {
    "external_id": "ada",
    "email": "ada@example.com",
    "attributes": {
        "first_name": "Ada",
        "tags": ["vip", "beta"],
        "address": {"city": "Paris"},
        "bio": "<script>x</script>",
    },
}


def render(source: str, *, html: bool = False, **extra) -> str:
    context = render_context(
        customer=CUSTOMER,
        enrollment_context={"trigger": {"event": "Order Completed", "properties": {"total": 42}}, "visits": {"a": 1}},
        journey={"id": 7, "name": "Welcome"},
        **extra,
    )
    return render_string(source, context, html=html)


def test_customer_attributes_the_trigger_event_and_the_journey_personalise():
    assert render('Hi {{ customer.first_name|default:"there" }}') == "Hi Ada"
    assert render('Hi {{ customer.nickname|default:"there" }}') == "Hi there"
    assert render("{{ event.name }}: {{ event.properties.total }} ({{ journey.name }})") == (
        "Order Completed: 42 (Welcome)"
    )
    assert render("{{ customer.address.city }} {{ customer.tags.0 }} {{ customer.tags|join:', ' }}") == (
        "Paris vip vip, beta"
    )
    assert render("{% for tag in customer.tags %}[{{ tag|upper }}]{% endfor %}") == "[VIP][BETA]"
    assert render("{% if customer.tags|length > 1 %}many{% endif %}") == "many"


def test_html_is_autoescaped_and_text_is_not():
    assert render("{{ customer.bio }}", html=True) == "&lt;script&gt;x&lt;/script&gt;"
    assert render("{{ customer.bio }}") == "<script>x</script>"


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer.first_name.upper }}",  # a str method
        "{{ customer.tags.pop }}",  # a list method that changes data
        "{{ customer.address.clear }}{{ customer.address.items }}",  # dict methods
        "{{ settings.SECRET_KEY }}",  # nothing outside the context
        "{{ request.user }}{{ user.password }}",
        "{{ customer.email.__class__ }}",
    ],
)
def test_methods_attributes_and_anything_outside_the_context_render_as_nothing(source):
    try:
        assert render(source) == ""
    except RenderError as error:
        assert "underscores" in str(error)
    assert render("{{ customer.address.city }}") == "Paris"  # nothing was changed by the attempt


@pytest.mark.parametrize(
    "source, problem",
    [
        ("{% debug %}", "debug"),
        ("{% load static %}{% static 'x' %}", "load"),
        ("{% include 'base.html' %}", "include"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% url 'admin:index' %}", "url"),
        ("{% lorem 100000 w %}", "lorem"),
        ("{{ customer.bio|safe }}", "safe"),
        ("{% autoescape off %}{{ customer.bio }}{% endautoescape %}", "autoescape"),
        ("{{ customer.first_name|ljust:'999999999' }}", "ljust"),
        ("{{ customer.first_name|stringformat:'2000000000s' }}", "stringformat"),
        ("{{ 1|floatformat:'2000000' }}", "floatformat"),
        ("{% if %}", "if"),
    ],
)
def test_blocked_tags_filters_and_bad_syntax_raise_a_render_error(source, problem):
    with pytest.raises(RenderError) as error:
        render(source, html=True)
    assert problem in str(error.value) or "Invalid" in str(error.value) or "Unclosed" in str(error.value)


def test_the_projects_own_templates_keep_every_tag():
    from django.template import engines

    assert engines["django"].from_string("{% load static %}{% static 'x.css' %}").render({}) == "/static/x.css"


def test_webhook_bodies_render_every_string_and_keep_the_shape():
    context = render_context(customer=CUSTOMER)
    body = {"user": "{{ customer.id }}", "list": ["{{ customer.first_name }}", 3, None], "nested": {"ok": True}}
    assert render_json(body, context) == {"user": "ada", "list": ["Ada", 3, None], "nested": {"ok": True}}


@pytest.mark.django_db
def test_a_render_error_fails_that_delivery_with_the_error_and_the_worker_goes_on(source, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_customer(external_id="ada", email="ada@example.com", consent={"email": True})
    make_customer(external_id="bob", email="bob@example.com", consent={"email": True})
    message_journey("send_email", {"subject": "Hi", "body": "{% debug %}"}, event="Broken")
    message_journey("send_email", {"subject": "Hi", "body": "<p>Fine</p>"}, event="Fine")
    enter(source, "ada", event="Broken")
    enter(source, "bob", event="Fine")

    send_all()

    broken = delivery_of("ada")
    assert broken.status == "failed" and broken.error.startswith("render error:") and "debug" in broken.error
    assert broken.attempts == 1
    assert delivery_of("bob").status == "sent"
    assert Delivery.objects.filter(status="sending").count() == 0


def test_nested_loops_stop_at_the_loop_budget():
    # Three loops over 200-character strings: 8,000,000 passes (seconds of one core per message).
    text = '"' + "x" * 200 + '"'
    source = "".join(f"{{% for v{i} in {text} %}}" for i in range(3)) + "." + "{% endfor %}" * 3

    with pytest.raises(RenderError, match="loops run more than 100,000 times"):
        render_string(source, {})


def test_loops_that_write_much_text_stop_at_the_loop_output_budget():
    source = '{% for a in "' + "x" * 50 + '" %}' + "y" * 100_000 + "{% endfor %}"

    with pytest.raises(RenderError, match="loops produce more than 4,000,000 characters"):
        render_string(source, {})


def test_an_ordinary_loop_over_a_basket_renders_and_the_budget_is_per_render():
    source = "{% for item in customer.items %}{{ forloop.counter }}. {{ item.name }}\n{% endfor %}"
    context = {"customer": sandboxed({"items": [{"name": f"item {n}"} for n in range(500)]})}

    for _ in range(300):  # 150,000 passes over the renders together, but each render is its own
        output = render_string(source, context)
    assert output.splitlines()[-1] == "500. item 499"
