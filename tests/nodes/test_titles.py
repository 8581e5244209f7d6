"""Canvas titles: every kind says what a node does from its config, in a few words."""

import pytest

from journeys import nodes
from journeys.models import MessageTemplate
from journeys.nodes.base import TITLE_MAX_LENGTH, short_duration


def title(kind: str, config: dict) -> str:
    return nodes.get(kind).title(config)


def test_short_durations_use_the_largest_unit_that_divides_them():
    assert [short_duration(s) for s in (3600, 172800, 5400, 90, 45, 300)] == [
        "1 h",
        "2 d",
        "90 min",
        "90 s",
        "45 s",
        "5 min",
    ]


def test_an_event_trigger_names_its_event_and_filters():
    config = {"event": "Product Added", "filters": [{"property": "total", "op": "gt", "value": 50}]}

    assert title("event_trigger", config) == "When Product Added where total > 50"


def test_waits_read_their_durations_in_short_units():
    assert title("wait_for_event", {"event": "Order Completed", "timeout_seconds": 3600}) == (
        "Wait up to 1 h for Order Completed"
    )
    assert title("wait", {"mode": "duration", "seconds": 2 * 86400}) == "Wait 2 d"
    assert title("wait", {"mode": "window", "days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}) == (
        "Wait for Mon, Tue, Wed, Thu, Fri 09:00-17:00"
    )
    until = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": -86400}
    assert title("wait", until) == "Wait until 1 d before booking_at"
    assert title("wait", {"mode": "best_time", "window_hours": 24}) == "Wait for the customer's best time within 1 d"


@pytest.mark.django_db
def test_a_message_names_its_template_by_name_or_else_its_content():
    template = MessageTemplate.objects.create(name="Basket reminder", channel="email", subject="Hi", html="<p>x</p>")

    assert title("send_email", {"template": template.pk}) == "Email: Basket reminder"
    assert title("send_email", {"subject": "Welcome aboard!", "body": "<p>Hi</p>"}) == "Email: Welcome aboard!"
    assert title("send_sms", {"body": "Your basket is waiting"}) == "SMS: Your basket is waiting"
    assert title("send_in_app", {"title": "Need a hand?", "body": "x"}) == "In-app: Need a hand?"


def test_flow_kinds_describe_their_branches_variants_and_changes():
    branch = {"key": "ordered", "condition": {"type": "event", "event": "Order Completed", "min_count": 1}}
    assert title("condition", {"branches": [branch]}).startswith("If did Order Completed")
    two = {"branches": [{**branch, "label": "Has ordered"}, {**branch, "key": "vip"}]}
    assert title("condition", two) == "2 branches: Has ordered, vip"
    split = {"variants": [{"key": "A", "weight": 45}, {"key": "B", "weight": 45}, {"key": "control", "weight": 10}]}
    assert title("split", split) == "Split 45% A / 45% B / 10% control"
    changes = {
        "changes": [
            {"attribute": "tier", "value": "gold"},
            {"attribute": "orders", "operation": "increment", "value": 1},
        ]
    }
    assert title("update_attribute", changes) == "Set tier = 'gold', add 1 to orders"
    assert title("exit", {"reason": "bought"}) == "Exit: bought"
    assert title("jump", {"target": "start"}) == "Jump to start"


def test_an_invalid_config_gets_the_kinds_label_and_long_titles_are_cut():
    assert title("wait_for_event", {"event": "Order Completed"}) == "Wait for event"
    assert title("event_trigger", "not an object") == "Event trigger"
    long = title("exit", {"reason": "x" * 190})
    assert len(long) == TITLE_MAX_LENGTH
    assert long.endswith("…")


@pytest.mark.django_db
def test_every_registered_kind_has_a_title_for_an_empty_config():
    # A node fresh from the palette has an empty config: it must still get a title, never an error.
    for node_type in nodes.all_types():
        assert node_type.title({})
