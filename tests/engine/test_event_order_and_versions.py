"""Bugs found in review: event order, large numbers, attribute folding, per-version rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys import services
from journeys.engine.events import process_events
from journeys.engine.tick import tick
from journeys.models import Customer, Delivery
from tests.engine.helpers import enrollment_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


def test_a_large_number_in_trigger_properties_does_not_wedge_the_tick(source):
    journey = basket_journey()
    basket_journey()
    # 1e20 parses as a float, jsonb stores it as numeric 100000000000000000000, which comes
    # back as a Python int that orjson.dumps refuses ("Integer exceeds 64-bit range").
    send(source, {"userId": "ada", "event": "Product Added", "properties": {"price": 1e20}})
    send(source, {"userId": "bob", "event": "Product Added"})
    process_events()
    errors = []
    for _ in range(3):
        try:
            tick()
        except Exception as error:  # the loop catches, sleeps 0.5 s and retries the same batch
            errors.append(repr(error))
    assert errors == [], errors[:1]
    assert enrollment_of(journey, "bob").node_id == "wait"


def test_an_order_in_the_same_batch_as_the_basket_event_stops_the_reminder(source):
    journey = basket_journey(exit_criteria=[{"event": "Order Completed"}])
    send(
        source,
        {"userId": "ada", "event": "Product Added"},
        {"userId": "ada", "event": "Order Completed"},
    )
    run()
    run(now=timezone.now() + timedelta(days=1, seconds=5))
    assert not Delivery.objects.filter(journey=journey).exists(), "reminder sent to a customer who ordered"


def test_an_order_arriving_before_the_engine_caught_up_stops_the_reminder(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    send(source, {"userId": "ada", "event": "Order Completed"})  # ingested 1 ms later, engine a little behind
    run()
    run(now=timezone.now() + timedelta(days=1, seconds=5))
    assert enrollment_of(journey, "ada").exit_reason == "bought"


def test_set_then_increment_in_one_run_matches_what_later_nodes_saw(source):
    make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Go"}),
                node("s", "update_attribute", {"changes": [{"attribute": "points", "operation": "set", "value": 5}]}),
                node(
                    "i",
                    "update_attribute",
                    {"changes": [{"attribute": "points", "operation": "increment", "value": 1}]},
                ),
            ],
            [("t", "next", "s"), ("s", "next", "i")],
        )
    )
    send(source, {"type": "identify", "userId": "ada", "traits": {"points": 100}})
    send(source, {"userId": "ada", "event": "Go"})
    run()
    assert Customer.objects.get(external_id="ada").attributes["points"] == 6


def test_exit_criteria_of_a_new_version_do_not_apply_to_customers_on_the_old_one(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    journey.settings = {"exit_criteria": [{"event": "Page Viewed"}]}
    journey.save()
    services.journey_publish(journey=journey)  # no migration: ada stays on v1, which has no exit criteria
    send(source, {"userId": "ada", "event": "Page Viewed"})
    run()
    assert enrollment_of(journey, "ada").status == "active"
