from datetime import timedelta

import pytest
from django.utils import timezone

from journeys import selectors
from journeys.models import Customer, Delivery, Enrollment, SplitAssignment, Step
from tests.engine.helpers import enrollment_of, path_of, run, send
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


def basket_journey(**settings):
    """Product Added -> wait up to 1 day for Order Completed -> matched: exit / timeout: email, then SMS."""
    return make_journey(
        graph=make_graph(
            [
                node("trigger", "event_trigger", {"event": "Product Added"}),
                node("wait", "wait_for_event", {"event": "Order Completed", "timeout_seconds": 86400}),
                node("bought", "exit", {"reason": "bought"}),
                node("email", "send_email", {"subject": "Still thinking?", "body": "Your basket misses you"}),
                node("sms", "send_sms", {"body": "Your basket is waiting"}),
            ],
            [
                ("trigger", "next", "wait"),
                ("wait", "matched", "bought"),
                ("wait", "timeout", "email"),
                ("email", "next", "sms"),
            ],
        ),
        settings=settings,
    )


def test_an_event_enters_the_customer_and_they_wait_for_the_next_event(source):
    journey = basket_journey()

    send(source, {"userId": "ada", "event": "Product Added", "properties": {"sku": "A1"}})
    run()

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "active"
    assert enrollment.node_id == "wait"
    assert enrollment.waiting_for == "Order Completed"
    assert enrollment.context["trigger"]["properties"] == {"sku": "A1"}
    assert path_of(enrollment) == [("trigger", "entered", ""), ("wait", "waiting", "")]


def test_an_event_arriving_while_the_customer_waits_moves_them_through_matched(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    send(source, {"userId": "ada", "event": "Order Completed"})
    run()

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "exited"
    assert enrollment.exit_reason == "bought"
    assert ("wait", "passed", "matched") in path_of(enrollment)
    assert not Delivery.objects.exists()


def test_another_customers_event_does_not_wake_a_waiting_customer(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    send(source, {"userId": "bob", "event": "Order Completed"})
    run()

    assert enrollment_of(journey, "ada").node_id == "wait"
    assert enrollment_of(journey, "ada").status == "active"


def test_without_the_event_the_timeout_sends_the_reminders(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    run(now=timezone.now() + timedelta(days=1, seconds=1))

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "exited"
    assert enrollment.exit_reason == "end of path"
    assert list(Delivery.objects.order_by("id").values_list("channel", "node_id")) == [
        ("email", "email"),
        ("sms", "sms"),
    ]
    timeout_step = Step.objects.get(enrollment=enrollment, port="timeout")
    assert timeout_step.reason == "timeout after 1 day"


def test_the_wait_is_not_over_a_second_before_its_time(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    run(now=timezone.now() + timedelta(days=1) - timedelta(seconds=5))

    assert enrollment_of(journey, "ada").node_id == "wait"


def test_trigger_filters_decide_who_enters(source):
    journey = make_journey(
        graph=make_graph(
            [
                node(
                    "t",
                    "event_trigger",
                    {"event": "Order Completed", "filters": [{"property": "total", "op": "gt", "value": 100}]},
                ),
                node("x", "exit"),
            ],
            [("t", "next", "x")],
        )
    )

    send(source, {"userId": "big", "event": "Order Completed", "properties": {"total": 250}})
    send(source, {"userId": "small", "event": "Order Completed", "properties": {"total": 20}})
    run()

    assert list(Enrollment.objects.filter(journey=journey).values_list("customer__external_id", flat=True)) == ["big"]


def test_page_and_identify_calls_do_not_trigger_event_journeys(source):
    journey = make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Pricing"}), node("x", "exit")], [("t", "next", "x")])
    )

    send(source, {"type": "page", "userId": "ada", "name": "Pricing"})
    run()

    assert not Enrollment.objects.filter(journey=journey).exists()


def test_a_wait_node_holds_customers_until_its_duration_passes(source):
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("w", "wait", {"mode": "duration", "seconds": 3600}),
                node("m", "send_email", {"subject": "Welcome", "body": "Hi"}),
            ],
            [("t", "next", "w"), ("w", "next", "m")],
        )
    )
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert enrollment_of(journey, "ada").node_id == "w"
    assert selectors.node_counters(journey.pk)["w"]["waiting"] == 1

    run(now=timezone.now() + timedelta(hours=1, seconds=1))

    assert Delivery.objects.get().payload["subject"] == "Welcome"
    assert selectors.node_counters(journey.pk)["w"]["waiting"] == 0
    assert Step.objects.filter(node_id="w", action="passed").get().reason == "waited 1 hour"


def test_a_condition_sends_each_customer_down_the_first_matching_branch(source):
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Logged In"}),
                node(
                    "c",
                    "condition",
                    {
                        "branches": [
                            {
                                "key": "pro",
                                "condition": {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"},
                            },
                            {"key": "loyal", "condition": {"type": "event", "event": "Logged In", "min_count": 2}},
                        ]
                    },
                ),
                node("pro", "exit", {"reason": "pro"}),
                node("loyal", "exit", {"reason": "loyal"}),
                node("other", "exit", {"reason": "other"}),
            ],
            [("t", "next", "c"), ("c", "pro", "pro"), ("c", "loyal", "loyal"), ("c", "else", "other")],
        )
    )
    send(source, {"type": "identify", "userId": "p", "traits": {"plan": "pro"}})
    send(source, {"userId": "l", "event": "Logged In", "messageId": "l1"})
    send(source, {"userId": "l", "event": "Logged In", "messageId": "l2"}, {"userId": "p", "event": "Logged In"})
    send(source, {"userId": "o", "event": "Logged In"})
    run()

    reasons = dict(Enrollment.objects.filter(journey=journey).values_list("customer__external_id", "exit_reason"))
    assert reasons == {"p": "pro", "l": "loyal", "o": "other"}


def test_update_attribute_sets_increments_and_removes(source):
    make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Order Completed"}),
                node(
                    "u",
                    "update_attribute",
                    {
                        "changes": [
                            {"attribute": "orders", "operation": "increment", "value": 1},
                            {"attribute": "tier", "operation": "set", "value": "gold"},
                            {"attribute": "coupon", "operation": "remove"},
                        ]
                    },
                ),
            ],
            [("t", "next", "u")],
        ),
        settings={"re_entry": {"mode": "after_exit"}},
    )
    send(source, {"type": "identify", "userId": "ada", "traits": {"orders": 2, "coupon": "X", "city": "Paris"}})

    send(source, {"userId": "ada", "event": "Order Completed"})
    run()
    send(source, {"userId": "ada", "event": "Order Completed"})
    run()

    assert Customer.objects.get(external_id="ada").attributes == {"orders": 4, "tier": "gold", "city": "Paris"}


def test_every_message_action_writes_one_delivery_to_the_outbox(source):
    make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Outage Detected"}),
                node("e", "send_email", {"subject": "We are on it", "body": "b"}),
                node("s", "send_sms", {"body": "b"}),
                node("w", "send_webhook", {"url": "https://status.example.com/hook"}),
                node("i", "send_in_app", {"title": "Outage", "body": "b"}),
            ],
            [("t", "next", "e"), ("e", "next", "s"), ("s", "next", "w"), ("w", "next", "i")],
        )
    )

    send(source, {"userId": "ada", "event": "Outage Detected"})
    run()

    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "in_app", "sms", "webhook"]
    assert Delivery.objects.filter(status="queued").count() == 4


def test_a_jump_loops_back_through_a_wait_and_each_visit_gets_its_own_delivery(source):
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Subscribed"}),
                node("m", "send_email", {"subject": "Weekly digest", "body": "b"}),
                node("w", "wait", {"mode": "duration", "seconds": 7 * 86400}),
                node("j", "jump", {"target": "m"}),
            ],
            [("t", "next", "m"), ("m", "next", "w"), ("w", "next", "j")],
        )
    )
    send(source, {"userId": "ada", "event": "Subscribed"})
    run()
    for week in range(1, 3):
        run(now=timezone.now() + timedelta(days=7 * week, seconds=week))

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "active"
    assert list(Delivery.objects.order_by("visit").values_list("visit", flat=True)) == [1, 2, 3]
    assert enrollment.context["visits"]["m"] == 3


def test_a_split_assigns_a_sticky_variant_and_records_it(source):
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node(
                    "s",
                    "split",
                    {"variants": [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]},
                ),
                node("a", "exit"),
                node("b", "exit"),
            ],
            [("t", "next", "s"), ("s", "A", "a"), ("s", "B", "b")],
        ),
        settings={"re_entry": {"mode": "after_exit"}},
    )
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    first = SplitAssignment.objects.get()

    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    variants = list(SplitAssignment.objects.values_list("variant", flat=True))
    assert variants == [first.variant, first.variant]
    assert enrollment_of_latest(journey).context["variants"] == {"s": first.variant}


def enrollment_of_latest(journey):
    return Enrollment.objects.filter(journey=journey).order_by("-id").first()


def test_reaching_a_node_with_no_way_out_ends_the_journey(source):
    journey = make_journey(
        graph=make_graph(
            [node("t", "event_trigger", {"event": "E"}), node("m", "send_email", {"subject": "s", "body": "b"})],
            [("t", "next", "m")],
        )
    )

    send(source, {"userId": "ada", "event": "E"})
    run()

    enrollment = enrollment_of(journey, "ada")
    assert (enrollment.status, enrollment.exit_reason, enrollment.node_id) == ("exited", "end of path", "m")
    counters = selectors.node_counters(journey.pk)["m"]
    assert counters == {"entered": 1, "passed:next": 1, "exited": 1, "delivery:queued": 1}


def test_counters_follow_every_step(source):
    journey = basket_journey()
    send(source, {"userId": "a", "event": "Product Added"}, {"userId": "b", "event": "Product Added"})
    run()
    send(source, {"userId": "a", "event": "Order Completed"})
    run()

    counters = selectors.node_counters(journey.pk)
    assert counters["trigger"] == {"entered": 2, "passed:next": 2}
    assert counters["wait"] == {"entered": 2, "waiting": 1, "passed:matched": 1}
    assert counters["bought"] == {"entered": 1, "exited": 1}
