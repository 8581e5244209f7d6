from datetime import UTC, datetime, timedelta

import pytest

from journeys.graph import parse_graph
from journeys.models import Customer, Delivery, Enrollment, NodeStat, SplitAssignment, Step
from journeys.nodes.split import bucket, choose_variant
from journeys.simulation import InjectedEvent, consent_from_input, profile_from_customer, profile_made_up, simulate
from tests.factories import make_customer, make_graph, node

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = 3600
DAY = 86400


def basket_graph():
    """Checkout Started -> wait up to 2 days for Order Completed; thanks on matched, reminder on timeout."""
    return make_graph(
        [
            node("t", "event_trigger", {"event": "Checkout Started"}),
            node(
                "w",
                "wait_for_event",
                {
                    "event": "Order Completed",
                    "timeout_seconds": 2 * DAY,
                    "filters": [{"property": "total", "op": "gt", "value": 10}],
                },
            ),
            node("thanks", "send_email", {"subject": "Thanks {{ customer.first_name }}", "body": "<p>Order in</p>"}),
            node("remind", "send_email", {"subject": "Forgot something?", "body": "<p>Your basket</p>"}),
            node(
                "mark",
                "update_attribute",
                {"changes": [{"attribute": "reminded", "operation": "increment", "value": 1}]},
            ),
        ],
        [("t", "next", "w"), ("w", "matched", "thanks"), ("w", "timeout", "remind"), ("remind", "next", "mark")],
    )


def run(graph, *, profile=None, events=(), horizon=30 * DAY, settings=None, **options):
    profile = profile or profile_made_up(
        external_id="tess",
        email="tess@example.com",
        traits={"first_name": "Tess"},
        consent={"email": True},
    )
    return simulate(
        graph=parse_graph(graph),
        settings=settings or {},
        journey_id=7,
        journey_name="Basket",
        version_id=0,
        profile=profile,
        events=list(events),
        horizon_seconds=horizon,
        start=START,
        **options,
    )


def path(result):
    return [(s["node_id"], s["action"], s["port"]) for s in result.steps]


def test_an_injected_event_ends_the_wait_through_matched_at_its_simulated_time():
    result = run(basket_graph(), events=[InjectedEvent("Order Completed", 2 * HOUR, {"total": 50})])
    assert path(result) == [
        ("t", "entered", ""),
        ("w", "waiting", ""),
        ("w", "passed", "matched"),
        ("thanks", "passed", "next"),
        ("thanks", "exited", ""),
    ]
    passed = result.steps[2]
    assert passed["at"] == START + timedelta(hours=2)
    assert passed["offset_seconds"] == 2 * HOUR
    assert "Order Completed happened after 2 hours" in passed["reason"]
    assert result.status == "exited"
    assert result.events[0]["effect"] == "ends the wait at w"


def test_without_the_event_the_wait_times_out_and_the_reminder_path_is_taken():
    result = run(basket_graph())
    assert [s for s in path(result) if s[1] == "passed"] == [
        ("w", "passed", "timeout"),
        ("remind", "passed", "next"),
        ("mark", "passed", "next"),
    ]
    timeout = next(s for s in result.steps if s["port"] == "timeout")
    assert timeout["at"] == START + timedelta(days=2)
    assert timeout["reason"] == "timeout after 2 days"


def test_an_event_not_matching_the_filters_does_not_end_the_wait():
    result = run(basket_graph(), events=[InjectedEvent("Order Completed", HOUR, {"total": 5})])
    assert ("w", "passed", "timeout") in path(result)
    assert result.events[0]["effect"] == "no effect"


def test_an_event_after_the_horizon_is_listed_as_not_applied_and_the_profile_stays_waiting():
    result = run(basket_graph(), events=[InjectedEvent("Order Completed", 5 * HOUR, {"total": 50})], horizon=HOUR)
    assert result.status == "waiting"
    assert result.node_id == "w"
    assert result.next_due_at == START + timedelta(days=2)
    assert result.waiting_for == "Order Completed"
    assert result.events[0]["effect"] == "not applied: after the horizon"


def test_jumping_time_forward_continues_the_same_path():
    short = run(basket_graph(), horizon=HOUR)
    longer = run(basket_graph(), horizon=3 * DAY)
    assert path(longer)[: len(path(short))] == path(short)
    assert longer.status == "exited"


def test_messages_are_rendered_with_the_profile_and_the_consent_decision():
    result = run(basket_graph(), events=[InjectedEvent("Order Completed", HOUR, {"total": 50})])
    [message] = result.messages()
    assert message["parts"]["subject"] == "Thanks Tess"
    assert message["to"] == "tess@example.com"
    assert message["would_send"] is True
    assert "/u/preview/" in message["parts"]["html"]  # the unsubscribe link leads to no real token


def test_a_profile_without_consent_sees_the_message_would_be_skipped():
    profile = profile_made_up(external_id="nc", email="nc@example.com", traits={}, consent={"email": "not_asked"})
    result = run(basket_graph(), profile=profile)
    [message] = result.messages()
    assert message["would_send"] is False
    assert message["skip_reason"] == "no consent to marketing email"


def test_attribute_changes_show_before_and_after_and_later_nodes_see_them():
    graph = make_graph(
        [
            node("t", "api_trigger"),
            node("u", "update_attribute", {"changes": [{"attribute": "points", "operation": "increment", "value": 5}]}),
            node(
                "c",
                "condition",
                {
                    "branches": [
                        {
                            "key": "rich",
                            "condition": {"type": "attribute", "attribute": "points", "op": "gte", "value": 10},
                        }
                    ]
                },
            ),
        ],
        [("t", "next", "u"), ("u", "next", "c")],
    )
    profile = profile_made_up(external_id="p", traits={"points": 7}, consent={})
    result = run(graph, profile=profile)
    change = next(s for s in result.steps if s["node_id"] == "u")["attribute_changes"]
    assert [(c["attribute"], c["operation"], c["before"], c["after"]) for c in change] == [
        ("points", "increment", 7, 12)
    ]
    assert ("c", "passed", "rich") in path(result)
    assert result.attributes == {"points": 12}


def split_graph():
    return make_graph(
        [
            node("t", "api_trigger"),
            node("s", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}),
        ],
        [("t", "next", "s")],
    )


def test_a_split_sends_the_same_made_up_profile_down_the_same_variant_every_run():
    variants = set()
    for _ in range(3):
        result = run(split_graph(), profile=profile_made_up(external_id="same", traits={}, consent={}))
        variants.add(next(s["port"] for s in result.steps if s["node_id"] == "s"))
    assert len(variants) == 1


def test_a_split_sends_an_existing_customer_down_the_variant_the_engine_would():
    customers = [make_customer(external_id=f"c{i}") for i in range(12)]
    for customer in customers:
        result = run(split_graph(), profile=profile_from_customer(customer))
        expected = choose_variant([{"key": "A", "weight": 50}, {"key": "B", "weight": 50}], bucket(7, "s", customer.pk))
        assert next(s["port"] for s in result.steps if s["node_id"] == "s") == expected


def test_conditions_count_injected_events_that_happened_by_then():
    graph = make_graph(
        [
            node("t", "api_trigger"),
            node("w", "wait", {"mode": "duration", "seconds": DAY}),
            node(
                "c",
                "condition",
                {
                    "branches": [
                        {"key": "buyer", "condition": {"type": "event", "event": "Order Completed", "min_count": 2}}
                    ]
                },
            ),
        ],
        [("t", "next", "w"), ("w", "next", "c")],
    )
    twice = [InjectedEvent("Order Completed", HOUR), InjectedEvent("Order Completed", 2 * HOUR)]
    assert ("c", "passed", "buyer") in path(run(graph, events=twice))
    late = [InjectedEvent("Order Completed", HOUR), InjectedEvent("Order Completed", 2 * DAY)]
    assert ("c", "passed", "else") in path(run(graph, events=late))


def test_a_loop_paced_by_waits_stops_at_the_step_limit():
    graph = make_graph(
        [
            node("t", "api_trigger"),
            node("w", "wait", {"mode": "duration", "seconds": HOUR}),
            node("j", "jump", {"target": "w"}),
        ],
        [("t", "next", "w"), ("w", "next", "j")],
    )
    result = run(graph, max_steps=50)
    assert result.status == "step_limit"
    assert len(result.steps) == 50


def test_exit_criteria_and_goal_apply_to_injected_events():
    settings = {
        "exit_criteria": [{"event": "Unsubscribed", "filters": []}],
        "goal": {"event": "Order Completed", "filters": [], "window_days": 7, "exit_on_conversion": False},
    }
    events = [InjectedEvent("Order Completed", HOUR, {"total": 1}), InjectedEvent("Unsubscribed", 3 * HOUR)]
    result = run(basket_graph(), events=events, settings=settings)
    assert ("w", "converted", "") in path(result)
    assert result.converted_at == START + timedelta(hours=1)
    assert result.status == "exited"
    assert result.exit_reason == "exit criteria: did Unsubscribed"


def test_a_held_webhook_is_taken_as_delivered_without_sending():
    graph = make_graph(
        [
            node("t", "api_trigger"),
            node("h", "send_webhook", {"url": "https://hooks.example/x", "wait_for_outcome": True}),
        ],
        [("t", "next", "h")],
    )
    result = run(graph)
    assert ("h", "passed", "next") in path(result)
    assert result.steps[-2]["at"] == START


def test_nothing_is_written_to_enrollments_steps_counters_deliveries_or_customers():
    customer = make_customer(external_id="real", email="real@example.com", attributes={"reminded": 0})
    tables = (Enrollment, Step, NodeStat, Delivery, SplitAssignment, Customer)
    before = {model: model.objects.count() for model in tables}
    result = run(basket_graph(), profile=profile_from_customer(customer))
    assert result.attributes["reminded"] == 1
    assert {model: model.objects.count() for model in tables} == before
    customer.refresh_from_db()
    assert customer.attributes == {"reminded": 0}


def test_consent_input_takes_booleans_and_the_three_states():
    assert consent_from_input({"email": True, "sms": "unsubscribed", "push": "not_asked", "in_app": "subscribed"}) == {
        "email": "subscribed",
        "sms": "unsubscribed",
        "in_app": "subscribed",
    }
    with pytest.raises(ValueError, match="'sms'"):
        consent_from_input({"sms": "maybe"})
    with pytest.raises(ValueError, match="'webhook'"):
        consent_from_input({"webhook": True})


def test_a_goal_event_after_the_profile_left_still_converts_it():
    settings = {"goal": {"event": "Order Completed", "filters": [], "window_days": 7, "exit_on_conversion": False}}
    events = [InjectedEvent("Order Completed", 3 * DAY), InjectedEvent("Page Viewed", 4 * DAY)]
    result = run(basket_graph(), events=events, settings=settings)
    assert result.status == "exited"
    assert result.converted_at == START + timedelta(days=3)
    assert path(result)[-1] == ("mark", "converted", "")
    assert [e["effect"] for e in result.events] == ["reaches the goal", "no effect"]


def test_the_event_that_entered_the_customer_counts_as_the_engine_would_but_wakes_no_wait():
    # The engine stores the triggering event before it runs any node: a condition counts it.
    read = {
        "type": "event",
        "event": "Article Read",
        "min_count": 1,
        "filters": [{"property": "category", "op": "eq", "value": "mortgage"}],
    }
    graph = make_graph(
        [
            node("t", "event_trigger", {"event": "Article Read"}),
            node("c", "condition", {"branches": [{"key": "reader", "condition": read}]}),
            node("w", "wait_for_event", {"event": "Article Read", "timeout_seconds": HOUR}),
        ],
        [("t", "next", "c"), ("c", "reader", "w")],
    )

    steps = path(run(graph, trigger_properties={"category": "mortgage"}))

    assert ("c", "passed", "reader") in steps
    assert ("w", "passed", "timeout") in steps  # the entering event is not news to a wait begun with it
