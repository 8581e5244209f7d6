"""Validation of property filters and condition trees, with errors named by where they are."""

import pytest

from journeys.conditions import PropertyFilterSerializer
from tests.conditions.helpers import attr, validate


def test_property_filters_reject_values_postgresql_cannot_hold():
    assert not PropertyFilterSerializer(data={"property": "x", "op": "eq", "value": "a\x00b"}).is_valid()
    assert not PropertyFilterSerializer(data={"property": "x", "op": "gt", "value": float("nan")}).is_valid()
    assert PropertyFilterSerializer(data={"property": "x", "op": "exists"}).is_valid()


def test_the_serializer_accepts_a_tree_and_fills_defaults():
    tree, errors = validate(
        {
            "all": [
                {"type": "attribute", "attribute": "plan", "value": "pro"},
                {"not": {"type": "event", "event": "Order Completed", "within_days": 30}},
                {
                    "any": [
                        {"type": "consent", "channel": "email"},
                        {"type": "attribute", "attribute": "x", "op": "exists"},
                    ]
                },
            ]
        }
    )
    assert errors == []
    assert tree["all"][0] == {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
    assert tree["all"][1]["not"] == {
        "type": "event",
        "event": "Order Completed",
        "min_count": 1,
        "max_count": None,
        "within_days": 30,
        "filters": [],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("plan = pro", "a condition must be an object, not text"),
        ({}, 'a condition needs a "type" (attribute, event, consent or prediction) or is a group (all, any, not)'),
        ({"type": "segment"}, "type: must be one of attribute, event, consent, prediction, not 'segment'"),
        ({"all": []}, "all: needs at least one condition"),
        ({"all": {"type": "consent"}}, "all: must be a list of conditions, not an object"),
        ({"all": [], "any": []}, "a group has one key: 'all' cannot be combined with 'any'"),
        (
            {"all": [attr("plan", "eq", "pro"), {"type": "attribute", "attribute": "plan", "op": "like", "value": 1}]},
            "all[1].op: must be one of eq, neq, contains, gt, gte, lt, lte, exists, not_exists, not 'like'",
        ),
        (
            {"not": {"type": "attribute", "attribute": "plan"}},
            "not.value: eq needs a value (to match a missing value use not_exists)",
        ),
        (attr("plan", "neq"), "value: neq needs a value (use exists)"),
        (attr("tags", "gt", [1]), "value: gt compares numbers or text, not a list"),
        (attr("a..b", "exists"), "attribute: 'a..b' is not a valid name (dots separate parts)"),
        (attr("plan", "eq", "a\x00"), "value: must not contain NUL characters"),
        ({"type": "consent", "channel": "fax"}, "channel: must be one of email, sms, push, in_app, not 'fax'"),
        ({"type": "consent", "channel": "sms", "granted": True}, "unknown key 'granted'"),
        ({"type": "event", "event": ""}, "event: needs an event name"),
        ({"type": "event", "event": "X", "min_count": 3, "max_count": 2}, "max_count: is less than min_count (3)"),
        ({"type": "event", "event": "X", "min_count": 0}, "min_count: 0 with no max_count matches everyone"),
        ({"type": "event", "event": "X", "min_count": True}, "min_count: must be a whole number from 0 to 1000000"),
        (
            {"type": "event", "event": "X", "within_days": 0},
            "within_days: must be a whole number of days from 1 to 3650",
        ),
        (
            {"any": [{"type": "event", "event": "X", "filters": [{"property": "total", "op": "gt"}]}]},
            "any[0].filters[0].value: gt needs a value",
        ),
    ],
)
def test_serializer_errors_name_the_path(data, message):
    tree, errors = validate(data)
    assert tree is None
    assert message in errors


def test_groups_nest_at_most_five_deep():
    leaf = attr("plan", "exists")
    five = {"all": [{"any": [{"all": [{"any": [{"not": leaf}]}]}]}]}
    assert validate(five)[1] == []
    six = {"not": five}
    assert validate(six)[1] == ["not.all[0].any[0].all[0].any[0]: groups nest at most 5 deep"]


def test_a_condition_has_at_most_fifty_leaves():
    assert validate({"any": [attr(f"a{i}", "exists") for i in range(50)]})[1] == []
    assert validate({"any": [attr(f"a{i}", "exists") for i in range(51)]})[1] == ["has 51 conditions; at most 50"]


def test_a_value_left_from_another_operator_is_dropped_for_exists():
    tree, errors = validate({"type": "attribute", "attribute": "plan", "op": "exists", "value": "pro"})
    assert errors == []
    assert tree == {"type": "attribute", "attribute": "plan", "op": "exists"}
