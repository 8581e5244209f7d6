"""Journey settings through the API as the canvas's settings panel uses it: saved with the draft,
refused per field with the field's path, read-only for Reviewers, applied to customers by a publish."""

import json

import pytest
from django.test import Client

from journeys import roles
from journeys.models import Journey
from tests.factories import logged_in, make_graph, make_journey, node

pytestmark = pytest.mark.django_db

GOAL = {
    "event": "Order Completed",
    "filters": [{"property": "total", "op": "gt", "value": 50}],
    "window_days": 7,
    "exit_on_conversion": True,
}
FULL = {
    "goal": GOAL,
    "exit_criteria": [{"event": "Unsubscribed", "filters": []}],
    "re_entry": {"mode": "any_time", "min_gap_seconds": 3600},
    "entry_cap": 500,
}


def patch(client: Client, journey: Journey, body: dict):
    return client.patch(f"/api/journeys/{journey.pk}/", json.dumps(body), content_type="application/json")


def small_journey(**kwargs) -> Journey:
    graph = make_graph([node("t", "event_trigger", {"event": "Signed Up"}), node("x", "exit")], [("t", "next", "x")])
    return make_journey(graph=graph, **kwargs)


def test_a_marketer_saves_every_setting_and_reads_it_back():
    journey = small_journey(publish=False)
    marketer = logged_in(roles.MARKETERS)

    response = patch(marketer, journey, {"settings": FULL})

    assert response.status_code == 200, response.content
    assert response.json()["settings"] == FULL
    journey.refresh_from_db()
    assert journey.settings == FULL


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        ({"goal": {**GOAL, "window_days": 400}}, "goal.window_days"),
        ({"goal": {**GOAL, "event": ""}}, "goal.event"),
        ({"goal": {**GOAL, "filters": [{"property": "total", "op": "gt"}]}}, "goal.filters[0].value"),
        ({"re_entry": {"mode": "any_time", "min_gap_seconds": -1}}, "re_entry.min_gap_seconds"),
        ({"entry_cap": 0}, "entry_cap"),
        ({"exit_criteria": [{"event": "A"}, {"event": ""}]}, "exit_criteria[1].event"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_field_so_the_panel_can_show_it_inline(bad, path):
    journey = small_journey(publish=False)

    response = patch(logged_in(roles.MARKETERS), journey, {"settings": bad})

    assert response.status_code == 400
    errors = response.json()["settings"]
    assert list(errors) == [path]
    assert errors[path][0]
    journey.refresh_from_db()
    assert journey.settings == {}


def test_a_reviewer_reads_the_settings_but_cannot_change_them():
    journey = small_journey(publish=False, settings=FULL)
    reviewer = logged_in(roles.REVIEWERS)

    assert reviewer.get(f"/api/journeys/{journey.pk}/").json()["settings"] == FULL
    assert patch(reviewer, journey, {"settings": {}}).status_code == 403
    journey.refresh_from_db()
    assert journey.settings == FULL


def test_settings_changed_on_a_live_journey_wait_for_the_next_publish():
    journey = small_journey()
    marketer = logged_in(roles.MARKETERS)
    assert journey.current_version.settings.get("goal") is None

    assert patch(marketer, journey, {"settings": {"goal": GOAL}}).status_code == 200
    journey.refresh_from_db()
    assert journey.current_version.settings.get("goal") is None  # customers run on the published version

    # A draft whose graph is unchanged still publishes when only its settings changed.
    response = marketer.post(f"/api/journeys/{journey.pk}/publish/", "{}", content_type="application/json")
    assert response.status_code == 200, response.content
    journey.refresh_from_db()
    assert journey.current_version.number == 2
    assert journey.current_version.settings["goal"] == GOAL
