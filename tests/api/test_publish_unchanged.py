"""Publishing a draft identical to the live version is refused; any change, settings included, publishes."""

import json

import pytest

from journeys import roles, services
from journeys.models import Journey
from tests.factories import logged_in, make_graph, make_journey, node

pytestmark = pytest.mark.django_db


def graph() -> dict:
    return make_graph(
        [
            node("start", "api_trigger"),
            node("wait", "wait", {"mode": "duration", "seconds": 3600}),
            node("done", "exit"),
        ],
        [("start", "next", "wait"), ("wait", "next", "done")],
    )


def publish(journey, body=None):
    client = logged_in(roles.MARKETERS)
    return client.post(f"/api/journeys/{journey.pk}/publish/", json.dumps(body or {}), content_type="application/json")


def edit(journey, **changes) -> Journey:
    return services.journey_update(journey=Journey.objects.get(pk=journey.pk), **changes)


def versions(journey) -> list[int]:
    return list(journey.versions.order_by("number").values_list("number", flat=True))


def test_publishing_an_unchanged_draft_is_409_nothing_changed_since_the_live_version():
    journey = make_journey(graph=graph())

    response = publish(journey)

    assert response.status_code == 409
    assert response.json()["detail"] == "nothing changed since version 1"
    assert versions(journey) == [1]


def test_key_order_does_not_make_a_draft_changed():
    journey = make_journey(graph=graph())
    reordered = {"edges": journey.graph["edges"], "nodes": [dict(reversed(n.items())) for n in journey.graph["nodes"]]}
    edit(journey, graph=reordered)

    assert publish(journey).status_code == 409


def test_a_settings_only_change_publishes_a_new_version():
    journey = make_journey(graph=graph())
    edit(journey, settings={"entry_cap": 100})

    response = publish(journey)

    assert response.status_code == 200
    assert versions(journey) == [1, 2]


def test_settings_that_clean_to_the_published_ones_are_no_change():
    journey = make_journey(graph=graph())
    edit(journey, settings={"re_entry": {"mode": "never"}})  # the defaults, spelled out

    assert publish(journey).status_code == 409


def test_a_node_mapping_does_not_make_an_unchanged_draft_publish():
    journey = make_journey(graph=graph())

    response = publish(journey, {"migrate": True, "mapping": {"wait": "done"}})

    assert (response.status_code, response.json()["detail"]) == (409, "nothing changed since version 1")
    assert versions(journey) == [1]


def test_a_paused_journey_is_refused_too():
    journey = make_journey(graph=graph())
    services.journey_transition(journey=journey, action="pause")

    assert publish(journey).status_code == 409


@pytest.mark.parametrize("action", ["close", "stop"])
def test_a_closed_or_stopped_journey_publishes_unchanged_to_take_customers_again(action):
    journey = make_journey(graph=graph())
    services.journey_transition(journey=journey, action=action)

    response = publish(journey)

    assert (response.status_code, response.json()["status"]) == (200, "live")
