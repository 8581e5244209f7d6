from datetime import timedelta

import pytest
from django.utils import timezone

from journeys import services
from journeys.models import Enrollment, Journey, JourneyVersion
from tests.engine.helpers import enrollment_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


def transition(journey, action):
    return services.journey_transition(journey=journey, action=action)


def test_publishing_a_draft_makes_it_live_with_version_one():
    journey = basket_journey()

    assert journey.status == "live"
    assert journey.current_version.number == 1
    assert journey.current_version.graph == journey.graph


def test_a_graph_with_errors_cannot_be_published():
    journey = make_journey(graph=make_graph([node("x", "exit")], []), publish=False)

    with pytest.raises(services.JourneyError) as problem:
        services.journey_publish(journey=journey)

    assert problem.value.validation.errors[0].code == "no_trigger"
    assert not JourneyVersion.objects.exists()


def test_invalid_settings_block_publishing():
    journey = basket_journey()
    journey.settings = {"entry_cap": -3}
    journey.save()

    with pytest.raises(services.JourneyError) as problem:
        services.journey_publish(journey=journey)

    assert problem.value.validation.errors[0].field == "entry_cap"


def test_a_paused_journey_takes_no_one_new_and_holds_everyone_inside(source):
    journey = basket_journey()
    send(source, {"userId": "inside", "event": "Product Added"})
    run()

    transition(journey, "pause")
    send(source, {"userId": "newcomer", "event": "Product Added"})
    run(now=timezone.now() + timedelta(days=2))

    assert enrollment_of(journey, "inside").node_id == "wait"
    assert enrollment_of(journey, "inside").status == "active"
    assert not Enrollment.objects.filter(customer__external_id="newcomer").exists()


def test_resuming_processes_the_waits_that_fell_due_during_the_pause(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    transition(journey, "pause")
    run(now=timezone.now() + timedelta(days=2))

    transition(journey, "resume")
    run(now=timezone.now() + timedelta(days=2))

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.status == "exited"
    assert enrollment.exit_reason == "end of path"


def test_a_closed_journey_lets_those_inside_finish_but_takes_no_one_new(source):
    journey = basket_journey()
    send(source, {"userId": "inside", "event": "Product Added"})
    run()

    transition(journey, "close")
    send(source, {"userId": "newcomer", "event": "Product Added"})
    run(now=timezone.now() + timedelta(days=2))

    assert enrollment_of(journey, "inside").exit_reason == "end of path"
    assert not Enrollment.objects.filter(customer__external_id="newcomer").exists()


def test_stopping_exits_everyone_inside_with_reason_stopped(source):
    journey = basket_journey()
    send(source, {"userId": "a", "event": "Product Added"}, {"userId": "b", "event": "Product Added"})
    run()

    transition(journey, "stop")

    assert set(Enrollment.objects.values_list("status", "exit_reason")) == {("exited", "stopped")}
    from journeys.selectors import node_counters

    assert node_counters(journey.pk)["wait"]["waiting"] == 0
    assert node_counters(journey.pk)["wait"]["exited"] == 2


def test_archiving_is_allowed_only_once_a_journey_is_not_running():
    journey = basket_journey()

    with pytest.raises(services.JourneyError, match="cannot archive a live journey"):
        transition(journey, "archive")

    transition(journey, "stop")
    transition(journey, "archive")
    assert Journey.objects.get(pk=journey.pk).status == "archived"
    with pytest.raises(services.JourneyError):
        services.journey_update(journey=Journey.objects.get(pk=journey.pk), name="again")


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "pause"), ("draft", "stop"), ("live", "resume"), ("stopped", "pause"), ("closed", "resume")],
)
def test_transitions_that_make_no_sense_are_refused(status, action):
    journey = make_journey(graph=make_graph([], []), publish=False)
    Journey.objects.filter(pk=journey.pk).update(status=status)

    with pytest.raises(services.JourneyError, match=f"cannot {action}"):
        transition(Journey.objects.get(pk=journey.pk), action)


def test_a_stopped_journey_can_be_published_again():
    journey = basket_journey()
    transition(journey, "stop")

    services.journey_publish(journey=Journey.objects.get(pk=journey.pk))

    journey.refresh_from_db()
    assert (journey.status, journey.current_version.number) == ("live", 2)


def test_publishing_a_paused_journey_keeps_it_paused():
    journey = basket_journey()
    transition(journey, "pause")
    journey = Journey.objects.get(pk=journey.pk)
    services.journey_update(journey=journey, settings={"goal": {"event": "Order Completed"}})

    services.journey_publish(journey=journey)

    assert Journey.objects.get(pk=journey.pk).status == "paused"
