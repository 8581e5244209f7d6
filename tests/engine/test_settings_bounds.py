"""Journey settings have bounds, and an error names the field by its path."""

import pytest

from journeys import roles, services
from journeys.journey_settings import MAX_ENTRY_CAP, MAX_RE_ENTRY_GAP_SECONDS, clean_settings
from journeys.models import JourneyVersion
from tests.factories import logged_in, make_graph, make_journey, node

TRIGGER_ONLY = make_graph([node("t", "event_trigger", {"event": "Signed Up"}), node("x", "exit")], [("t", "next", "x")])


def criterion(**changes) -> dict:
    return {"event": "Unsubscribed", "filters": [], **changes}


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"re_entry": {"mode": "any_time", "min_gap_seconds": 10**15}}, "re_entry.min_gap_seconds"),
        (
            {"re_entry": {"mode": "any_time", "min_gap_seconds": MAX_RE_ENTRY_GAP_SECONDS + 1}},
            "re_entry.min_gap_seconds",
        ),
        ({"re_entry": {"mode": "any_time", "min_gap_seconds": -1}}, "re_entry.min_gap_seconds"),
        ({"re_entry": {"mode": "sometimes"}}, "re_entry.mode"),
        ({"entry_cap": 0}, "entry_cap"),
        ({"entry_cap": MAX_ENTRY_CAP + 1}, "entry_cap"),
        ({"goal": {"event": "Order Completed", "window_days": 0}}, "goal.window_days"),
        ({"goal": {"event": "Order Completed", "window_days": 366}}, "goal.window_days"),
        ({"goal": {"event": ""}}, "goal.event"),
        (
            {"goal": {"event": "Order Completed", "filters": [{"property": "total", "op": "gt"}]}},
            "goal.filters[0].value",
        ),
        ({"goal": {"event": "x", "filters": [{"property": "p", "op": "exists"}] * 21}}, "goal.filters"),
        ({"exit_criteria": [criterion()] * 21}, "exit_criteria"),
        ({"exit_criteria": [criterion(), criterion(event="x" * 256)]}, "exit_criteria[1].event"),
        ({"exit_criteria": [criterion(filters=[{"property": "p", "op": "exists"}] * 21)]}, "exit_criteria[0].filters"),
        (
            {"exit_criteria": [criterion(filters=[{"property": "p", "op": "exists"}, {"property": "q", "op": "lt"}])]},
            "exit_criteria[0].filters[1].value",
        ),
    ],
)
def test_a_setting_out_of_bounds_is_an_error_on_its_path(raw, path):
    cleaned, errors = clean_settings(raw)

    assert cleaned == {}
    assert list(errors) == [path]
    assert errors[path]  # a message to show beside the field


def test_values_at_the_bounds_are_accepted():
    cleaned, errors = clean_settings(
        {
            "re_entry": {"mode": "any_time", "min_gap_seconds": MAX_RE_ENTRY_GAP_SECONDS},
            "entry_cap": MAX_ENTRY_CAP,
            "exit_criteria": [criterion(filters=[{"property": "p", "op": "exists"}] * 20)] * 20,
            "goal": {"event": "Order Completed", "window_days": 365},
        }
    )

    assert errors == {}
    assert cleaned["re_entry"]["min_gap_seconds"] == MAX_RE_ENTRY_GAP_SECONDS


@pytest.mark.django_db
def test_a_journey_whose_setting_is_out_of_bounds_is_not_published_and_the_error_names_the_path():
    journey = make_journey(
        graph=TRIGGER_ONLY, settings={"re_entry": {"mode": "any_time", "min_gap_seconds": 10**15}}, publish=False
    )

    with pytest.raises(services.JourneyError) as problem:
        services.journey_publish(journey=journey)

    [issue] = problem.value.validation.errors
    assert (issue.code, issue.field) == ("invalid_settings", "re_entry.min_gap_seconds")
    assert issue.message.startswith("re_entry.min_gap_seconds: ")
    assert not JourneyVersion.objects.exists()

    answer = logged_in(roles.MARKETERS).post(
        f"/api/journeys/{journey.pk}/publish/", {}, content_type="application/json"
    )
    assert answer.status_code == 409
    [issue] = answer.json()["validation"]["errors"]
    assert issue["field"] == "re_entry.min_gap_seconds"


@pytest.mark.django_db
def test_saving_settings_out_of_bounds_is_refused_naming_the_field():
    journey = make_journey(graph=TRIGGER_ONLY, publish=False)
    client = logged_in(roles.MARKETERS)
    response = client.patch(
        f"/api/journeys/{journey.pk}/",
        {"settings": {"re_entry": {"mode": "any_time", "min_gap_seconds": 10**15}}},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "re_entry.min_gap_seconds" in response.json()["settings"]
    journey.refresh_from_db()
    assert journey.settings.get("re_entry", {}).get("min_gap_seconds") != 10**15


@pytest.mark.django_db
def test_importing_settings_out_of_bounds_is_refused_naming_the_field():
    export = {
        "format": services.EXPORT_FORMAT,
        "version": services.EXPORT_VERSION,
        "name": "Imported",
        "graph": TRIGGER_ONLY,
        "settings": {"entry_cap": MAX_ENTRY_CAP + 1},
    }
    with pytest.raises(services.JourneyError, match=r"settings\.entry_cap"):
        services.journey_import(data=export)
