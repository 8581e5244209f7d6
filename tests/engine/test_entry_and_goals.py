from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.models import Enrollment, Step
from journeys.selectors import node_counters
from tests.engine.helpers import enrollment_of, quick_journey, run, send, waiting_journey
from tests.engine.test_flow import basket_journey
from tests.factories import make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


def entries(journey, external_id="ada"):
    return Enrollment.objects.filter(journey=journey, customer__external_id=external_id).count()


def test_by_default_a_customer_enters_a_journey_once(source):
    journey = quick_journey()

    for _ in range(3):
        send(source, {"userId": "ada", "event": "Signed Up"})
        run()

    assert entries(journey) == 1


def test_re_entry_after_exit_lets_them_in_again_once_they_left(source):
    journey = waiting_journey(re_entry={"mode": "after_exit"})
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert entries(journey) == 1  # still inside

    run(now=timezone.now() + timedelta(days=1, seconds=1))  # the wait ends, and so the journey
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert entries(journey) == 2


def test_re_entry_any_time_allows_overlapping_entries_with_a_minimum_gap(source):
    journey = waiting_journey(re_entry={"mode": "any_time", "min_gap_seconds": 3600})
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert entries(journey) == 1  # within the hour

    Enrollment.objects.filter(journey=journey).update(entered_at=timezone.now() - timedelta(hours=2))
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert entries(journey) == 2
    assert Enrollment.objects.filter(journey=journey, status="active").count() == 2


def test_two_trigger_events_in_one_batch_enter_a_customer_once(source):
    journey = waiting_journey(re_entry={"mode": "any_time"})

    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "ada", "event": "Signed Up"})
    run()

    assert entries(journey) == 1


def test_the_entry_cap_limits_the_total_number_of_entries(source):
    journey = quick_journey(entry_cap=2)

    send(source, *[{"userId": f"c{n}", "event": "Signed Up"} for n in range(5)])
    run()
    send(source, {"userId": "late", "event": "Signed Up"})
    run()

    assert Enrollment.objects.filter(journey=journey).count() == 2
    journey.refresh_from_db()
    assert journey.entered_count == 2


def test_exit_criteria_remove_customers_wherever_they_are(source):
    journey = basket_journey(exit_criteria=[{"event": "Unsubscribed"}])
    send(source, {"userId": "ada", "event": "Product Added"}, {"userId": "bob", "event": "Product Added"})
    run()

    send(source, {"userId": "ada", "event": "Unsubscribed"})
    run()

    ada = enrollment_of(journey, "ada")
    assert (ada.status, ada.exit_reason, ada.node_id) == ("exited", "exit criteria: did Unsubscribed", "wait")
    assert enrollment_of(journey, "bob").status == "active"
    assert node_counters(journey.pk)["wait"]["waiting"] == 1


def test_exit_criteria_filters_must_match(source):
    journey = basket_journey(
        exit_criteria=[{"event": "Plan Changed", "filters": [{"property": "to", "value": "free"}]}]
    )
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    send(source, {"userId": "ada", "event": "Plan Changed", "properties": {"to": "team"}})
    run()

    assert enrollment_of(journey, "ada").status == "active"


def test_a_goal_event_within_the_window_counts_a_conversion_and_the_customer_carries_on(source):
    journey = basket_journey(goal={"event": "Review Posted", "window_days": 7})
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    send(source, {"userId": "ada", "event": "Review Posted"})
    run()

    ada = enrollment_of(journey, "ada")
    assert ada.converted_at is not None
    assert ada.status == "active"
    assert node_counters(journey.pk)["wait"]["converted"] == 1
    assert Step.objects.get(enrollment=ada, action="converted").reason == "reached the goal: Review Posted"


def test_a_goal_can_end_the_journey_on_conversion(source):
    journey = basket_journey(goal={"event": "Order Completed", "window_days": 3, "exit_on_conversion": True})
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    send(source, {"userId": "ada", "event": "Order Completed"})
    run()

    ada = enrollment_of(journey, "ada")
    assert ada.converted_at is not None
    assert (ada.status, ada.exit_reason) == ("exited", "goal reached: Order Completed")


def test_a_goal_counts_after_the_customer_left_but_not_after_the_window(source):
    journey = quick_journey(goal={"event": "Upgraded", "window_days": 7})
    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "bob", "event": "Signed Up"})
    run()
    Enrollment.objects.filter(customer__external_id="bob").update(entered_at=timezone.now() - timedelta(days=8))

    send(source, {"userId": "ada", "event": "Upgraded"}, {"userId": "bob", "event": "Upgraded"})
    run()

    assert enrollment_of(journey, "ada").converted_at is not None
    assert enrollment_of(journey, "bob").converted_at is None


def test_a_second_goal_event_does_not_count_twice(source):
    journey = quick_journey(goal={"event": "Upgraded"})
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    send(source, {"userId": "ada", "event": "Upgraded"})
    send(source, {"userId": "ada", "event": "Upgraded"})
    run()

    assert node_counters(journey.pk)["x"]["converted"] == 1
