"""Conditions decided in Python: operators, leaves, groups, and the reasons they give."""

from datetime import timedelta

import pytest

from journeys.conditions import compare, evaluate, filters_match, lookup
from tests.conditions.helpers import NOW, OPERATOR_CASES, attr, counting, no_events, view


@pytest.mark.parametrize(("attributes", "op", "value", "expected"), OPERATOR_CASES)
def test_each_operator_means_the_same_in_python(attributes, op, value, expected):
    name = next(iter(attributes), "plan")
    assert compare(lookup(attributes, name), op, value) is expected


def test_filters_match_reads_dotted_paths_only_through_objects():
    properties = {"order": {"total": 80}, "items": ["a", "b"]}
    assert filters_match([{"property": "order.total", "op": "gt", "value": 50}], properties)
    assert not filters_match([{"property": "items.0", "op": "eq", "value": "a"}], properties)
    assert filters_match([], properties)


# --- Leaves in Python: profile fields, events, consent, and their reasons.


def test_profile_fields_are_read_from_the_profile_not_the_attributes():
    customer = view(email="ann@example.com", attributes={"email": "old@example.com"})
    assert evaluate(attr("email", "contains", "ann@"), customer, no_events, NOW) == (True, "email contains 'ann@'")


def test_a_blank_profile_field_counts_as_not_set():
    customer = view(phone="", external_id=None, timezone="Europe/Paris")
    assert evaluate(attr("phone", "not_exists"), customer, no_events, NOW)[0]
    assert evaluate(attr("external_id", "not_exists"), customer, no_events, NOW)[0]
    assert evaluate(attr("timezone", "eq", "Europe/Paris"), customer, no_events, NOW)[0]


def test_an_attribute_reason_shows_the_value_it_found():
    customer = view(attributes={"plan": "free", "score": 2})
    assert evaluate(attr("plan", "eq", "pro"), customer, no_events, NOW) == (False, "plan is 'free' (needs = 'pro')")
    assert evaluate(attr("score", "gt", 3), customer, no_events, NOW) == (False, "score is 2 (needs > 3)")
    assert evaluate(attr("seats", "gte", 3), customer, no_events, NOW) == (False, "seats is not set (needs ≥ 3)")
    assert evaluate(attr("plan", "neq", "free"), customer, no_events, NOW) == (False, "plan = 'free'")
    assert evaluate(attr("seats", "exists"), customer, no_events, NOW) == (False, "seats is not set")
    assert evaluate(attr("plan", "not_exists"), customer, no_events, NOW) == (False, "plan is set ('free')")
    assert evaluate(attr("plan", "eq", "free"), customer, no_events, NOW) == (True, "plan = 'free'")


def test_an_event_leaf_counts_within_the_window_with_filters():
    event_count = counting(3)
    leaf = {
        "type": "event",
        "event": "Order Completed",
        "min_count": 3,
        "within_days": 30,
        "filters": [{"property": "total", "op": "gt", "value": 50}],
    }
    matched, reason = evaluate(leaf, view(), event_count, NOW)
    assert matched
    assert reason == "did Order Completed 3 times in 30 days where total > 50 (needs at least 3)"
    assert event_count.calls == [("Order Completed", NOW - timedelta(days=30), leaf["filters"])]


def test_an_event_leaf_without_a_window_counts_all_history():
    event_count = counting(0)
    leaf = {"type": "event", "event": "Signed Up"}
    assert evaluate(leaf, view(), event_count, NOW) == (False, "did Signed Up 0 times (needs at least 1)")
    assert event_count.calls == [("Signed Up", None, [])]


def test_an_event_leaf_with_max_count_means_at_most():
    leaf = {"type": "event", "event": "Support Ticket", "min_count": 0, "max_count": 1, "within_days": 7}
    assert evaluate(leaf, view(), counting(1), NOW) == (True, "did Support Ticket 1 time in 7 days (needs at most 1)")
    assert not evaluate(leaf, view(), counting(2), NOW)[0]
    between = {**leaf, "min_count": 2, "max_count": 4}
    assert evaluate(between, view(), counting(5), NOW) == (False, "did Support Ticket 5 times in 7 days (needs 2 to 4)")


def test_a_consent_leaf_needs_consent_granted():
    leaf = {"type": "consent", "channel": "sms"}
    assert evaluate(leaf, view(consent={"sms": True}), no_events, NOW) == (True, "consented to sms")
    assert evaluate(leaf, view(consent={"sms": False}), no_events, NOW) == (False, "no consent for sms")
    assert evaluate(leaf, view(consent={}), no_events, NOW) == (False, "no consent for sms")


# --- Groups.


def test_all_gives_the_first_failing_reason_and_stops_there():
    event_count = counting(5)
    condition = {"all": [attr("plan", "eq", "pro"), {"type": "event", "event": "Order Completed"}]}
    assert evaluate(condition, view(attributes={"plan": "free"}), event_count, NOW) == (
        False,
        "plan is 'free' (needs = 'pro')",
    )
    assert event_count.calls == []  # the event history was not needed


def test_all_joins_the_reasons_when_everything_holds():
    condition = {"all": [attr("plan", "eq", "pro"), {"type": "consent", "channel": "email"}]}
    customer = view(attributes={"plan": "pro"}, consent={"email": True})
    assert evaluate(condition, customer, no_events, NOW) == (True, "plan = 'pro' and consented to email")


def test_any_gives_the_first_matching_reason():
    condition = {"any": [attr("plan", "eq", "pro"), attr("seats", "gte", 10)]}
    assert evaluate(condition, view(attributes={"seats": 12}), no_events, NOW) == (True, "seats ≥ 10")
    assert evaluate(condition, view(), no_events, NOW) == (
        False,
        "plan is not set (needs = 'pro') and seats is not set (needs ≥ 10)",
    )


def test_not_inverts_and_explains():
    condition = {"not": attr("plan", "eq", "pro")}
    assert evaluate(condition, view(attributes={"plan": "free"}), no_events, NOW) == (True, "not (plan = 'pro')")
    assert evaluate(condition, view(attributes={"plan": "pro"}), no_events, NOW) == (False, "plan = 'pro'")


def test_a_long_reason_is_cut_to_fit_the_step_log():
    condition = {"all": [attr(f"attribute_{i}", "exists") for i in range(40)]}
    attributes = {f"attribute_{i}": i for i in range(40)}
    matched, reason = evaluate(condition, view(attributes=attributes), no_events, NOW)
    assert matched
    assert len(reason) == 300
    assert reason.endswith("…")
