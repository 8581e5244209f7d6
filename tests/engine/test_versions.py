import pytest

from journeys import services
from journeys.models import Journey
from journeys.selectors import node_counters
from tests.engine.helpers import enrollment_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import make_source, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


def edit_draft(journey, change):
    journey = Journey.objects.get(pk=journey.pk)
    graph = journey.graph
    change(graph)
    services.journey_update(journey=journey, graph=graph)
    return journey


def rename_node(graph, old, new):
    for item in graph["nodes"]:
        if item["id"] == old:
            item["id"] = new
    for item in graph["edges"]:
        item["source"] = new if item["source"] == old else item["source"]
        item["target"] = new if item["target"] == old else item["target"]


def test_editing_a_live_journey_changes_only_the_draft(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    edit_draft(journey, lambda g: g["nodes"][3]["data"]["config"].update(subject="Changed"))

    journey.refresh_from_db()
    assert journey.current_version.graph["nodes"][3]["data"]["config"]["subject"] == "Still thinking?"
    assert journey.graph["nodes"][3]["data"]["config"]["subject"] == "Changed"


def test_customers_inside_stay_on_their_version_when_publishing_without_moving_them(source):
    journey = basket_journey()
    send(source, {"userId": "early", "event": "Product Added"})
    run()

    journey = edit_draft(journey, lambda g: g["nodes"][1]["data"]["config"].update(timeout_seconds=60))
    result = services.journey_publish(journey=journey)
    send(source, {"userId": "late", "event": "Product Added"})
    run()

    assert result.version.number == 2
    assert enrollment_of(journey, "early").version.number == 1
    assert enrollment_of(journey, "late").version.number == 2


def test_moving_customers_maps_nodes_with_the_same_id_and_keeps_their_wait(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    due_before = enrollment_of(journey, "ada").due_at
    journey = edit_draft(journey, lambda g: g["nodes"][-1]["data"].update(label="Text the basket"))

    result = services.journey_publish(journey=journey, migrate=True)

    ada = enrollment_of(journey, "ada")
    assert (result.moved, result.removed) == (1, 0)
    assert (ada.version.number, ada.node_id, ada.due_at) == (2, "wait", due_before)
    assert ada.steps.filter(action="migrated").get().reason == "moved to version 2"


def test_an_explicit_mapping_moves_customers_to_a_renamed_node(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    journey = edit_draft(journey, lambda g: rename_node(g, "wait", "wait-for-order"))

    services.journey_publish(journey=journey, migrate=True, mapping={"wait": "wait-for-order"})

    ada = enrollment_of(journey, "ada")
    assert ada.node_id == "wait-for-order"
    assert ada.status == "active"
    counters = node_counters(journey.pk)
    assert counters["wait"]["waiting"] == 0
    # A different node is entered afresh, so the customer waits again there.
    run()
    assert node_counters(journey.pk)["wait-for-order"]["waiting"] == 1


def test_customers_at_a_node_that_no_longer_exists_exit_as_removed(source):
    journey = basket_journey()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    def drop_wait(graph):
        graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "wait"]
        graph["nodes"].append(node("pause", "wait", {"mode": "duration", "seconds": 60}))
        graph["edges"] = [
            {"id": "a", "source": "trigger", "sourceHandle": "next", "target": "pause"},
            {"id": "b", "source": "pause", "sourceHandle": "next", "target": "email"},
            {"id": "c", "source": "email", "sourceHandle": "next", "target": "sms"},
        ]
        graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "bought"]

    journey = edit_draft(journey, drop_wait)
    result = services.journey_publish(journey=journey, migrate=True)

    ada = enrollment_of(journey, "ada")
    assert result.removed == 1
    assert (ada.status, ada.exit_reason) == ("exited", "removed")


def test_a_mapping_to_a_missing_node_is_refused():
    journey = edit_draft(basket_journey(), lambda g: rename_node(g, "wait", "wait-for-order"))

    with pytest.raises(services.JourneyError, match="do not exist: nowhere"):
        services.journey_publish(journey=journey, migrate=True, mapping={"wait": "nowhere"})

    assert Journey.objects.get(pk=journey.pk).current_version.number == 1
