from datetime import UTC, datetime, timedelta

import pytest

from journeys import nodes
from journeys.nodes.base import CustomerView, NodeContext
from tests.nodes.helpers import clean, errors_of

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)

PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
LOYAL = {"type": "event", "event": "Order Completed", "min_count": 3, "within_days": 30}
REACHABLE_BY_SMS = {"type": "consent", "channel": "sms"}
CONFIG = {
    "branches": [
        {"key": "pro-users", "label": "Pro", "condition": PRO},
        {"key": "loyal", "condition": LOYAL},
        {"key": "sms_ok", "condition": REACHABLE_BY_SMS},
    ]
}


@pytest.fixture(scope="module")
def condition():
    return nodes.get("condition")


class FakeHistory:
    """An event_count that answers from a table of counts and records each question."""

    def __init__(self, counts=None):
        self.counts = counts or {}
        self.calls = []

    def __call__(self, *, name, since, filters):
        self.calls.append((name, since, list(filters)))
        return self.counts.get(name, 0)


def run(node, config: dict, *, attributes=None, consent=None, history=None):
    ctx = NodeContext(
        node_id="condition-1",
        config=clean(node, config),
        now=NOW,
        journey_id=1,
        enrollment_id=1,
        entered_at=NOW,
        customer=CustomerView(
            id=7,
            external_id="c-7",
            email="ada@example.com",
            phone="",
            timezone="",
            attributes=attributes or {},
            consent=consent or {},
        ),
        context={},
        visit=1,
        event_count=history or FakeHistory(),
    )
    return node.run(ctx)


def test_it_is_registered_as_a_flow_node(condition):
    assert condition.kind == "condition"
    assert condition.category == "flow"
    assert condition.label


def test_its_ports_are_the_branch_keys_in_order_then_else(condition):
    assert condition.output_ports(CONFIG) == ["pro-users", "loyal", "sms_ok", "else"]
    assert condition.required_output_ports(CONFIG) == ["pro-users", "loyal", "sms_ok"]


def test_its_ports_survive_a_half_written_config(condition):
    assert condition.output_ports({"branches": [{"key": "a"}, "junk", {}]}) == ["a", "else"]
    assert condition.output_ports({}) == ["else"]


def test_a_customer_matching_the_first_branch_takes_it(condition):
    outcome = run(condition, CONFIG, attributes={"plan": "pro"})
    assert outcome.port == "pro-users"
    assert outcome.reason == "plan = 'pro' matched branch pro-users"
    assert not outcome.is_wait
    assert outcome.intents == []


def test_the_first_matching_branch_wins_and_later_ones_are_not_evaluated(condition):
    history = FakeHistory({"Order Completed": 5})
    outcome = run(condition, CONFIG, attributes={"plan": "pro"}, consent={"sms": True}, history=history)
    assert outcome.port == "pro-users"
    assert history.calls == []  # the event history of the second branch was never needed


def test_order_decides_between_branches_that_both_match(condition):
    reversed_config = {"branches": list(reversed(CONFIG["branches"]))}
    outcome = run(condition, reversed_config, attributes={"plan": "pro"}, consent={"sms": True})
    assert outcome.port == "sms_ok"


def test_an_event_history_branch_counts_in_its_window(condition):
    history = FakeHistory({"Order Completed": 3})
    outcome = run(condition, CONFIG, attributes={"plan": "free"}, history=history)
    assert outcome.port == "loyal"
    assert outcome.reason == "did Order Completed 3 times in 30 days (needs at least 3) matched branch loyal"
    assert history.calls == [("Order Completed", NOW - timedelta(days=30), [])]


def test_too_few_events_fall_through_to_the_next_branch(condition):
    outcome = run(condition, CONFIG, history=FakeHistory({"Order Completed": 2}), consent={"sms": True})
    assert outcome.port == "sms_ok"
    assert outcome.reason == "consented to sms matched branch sms_ok"


def test_sms_consent_refused_is_not_consent(condition):
    outcome = run(condition, CONFIG, consent={"sms": False})
    assert outcome.port == "else"


def test_a_customer_matching_nothing_goes_to_else(condition):
    outcome = run(condition, CONFIG, attributes={"plan": "free"}, history=FakeHistory({"Order Completed": 1}))
    assert outcome.port == "else"
    # Why not, branch by branch.
    assert outcome.reason == (
        "no branch matched (pro-users: plan is 'free' (needs = 'pro');"
        " loyal: did Order Completed 1 time in 30 days (needs at least 3); sms_ok: no consent for sms)"
    )


def test_why_no_branch_matched_is_cut_to_fit_a_step(condition):
    many = {
        "branches": [
            {"key": f"tier-{n}", "condition": {"type": "attribute", "attribute": "tier", "value": "x" * 40}}
            for n in range(20)
        ]
    }
    outcome = run(condition, many, attributes={"tier": "none"})
    assert outcome.port == "else"
    assert len(outcome.reason) <= 480 and outcome.reason.endswith("…")
    assert outcome.reason.startswith("no branch matched (tier-0: tier is 'none' (needs = 'xxxx")


def test_a_branch_can_hold_a_whole_tree(condition):
    config = {
        "branches": [
            {
                "key": "engaged",
                "condition": {
                    "all": [
                        {"not": {"type": "attribute", "attribute": "churned", "op": "eq", "value": True}},
                        {"any": [PRO, {"type": "attribute", "attribute": "seats", "op": "gte", "value": 10}]},
                    ]
                },
            }
        ]
    }
    assert run(condition, config, attributes={"seats": 12}).port == "engaged"
    assert run(condition, config, attributes={"seats": 12, "churned": True}).port == "else"


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"branches": []}, "branches", "Ensure this field has at least 1 elements."),
        ({"branches": [{"key": "else", "condition": PRO}]}, "branches", "'else' is the port for customers"),
        ({"branches": [{"key": "a", "condition": PRO}, {"key": "a", "condition": PRO}]}, "branches", "unique"),
        ({"branches": [{"key": "has space", "condition": PRO}]}, "branches", "does not match"),
    ],
)
def test_bad_configs_are_refused(condition, config, field, message):
    errors = errors_of(condition, config)
    assert message in str(errors[field])


def test_at_most_twenty_branches(condition):
    branches = [{"key": f"b{i}", "condition": PRO} for i in range(21)]
    assert "branches" in errors_of(condition, {"branches": branches})
    assert condition.clean_config({"branches": branches[:20]})[1] == {}


def test_a_bad_condition_names_its_branch_and_path(condition):
    config = {"branches": [{"key": "a", "condition": PRO}, {"key": "b", "condition": {"all": [PRO, {"type": "x"}]}}]}
    errors = errors_of(condition, config)
    assert errors["branches"][1]["condition"] == [
        "all[1].type: must be one of attribute, event, consent, prediction, not 'x'"
    ]
