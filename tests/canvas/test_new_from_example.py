"""'New journey' on the list page: blank, or a draft copy of one of the five examples with its settings."""

import pytest

from journeys import roles
from journeys.demo import DEMO_JOURNEYS, EXAMPLES
from journeys.journey_settings import clean_settings
from journeys.models import Journey
from journeys.services import journey_validate
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


def test_the_form_offers_a_blank_journey_and_every_example():
    page = logged_in(roles.MARKETERS).get("/journeys/").content.decode()
    assert '<option value="">Blank journey</option>' in page
    for key, demo in EXAMPLES.items():
        assert f'<option value="{key}">Example: {demo.name}</option>' in page
    assert len(EXAMPLES) == 5


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_each_example_opens_as_a_draft_with_its_graph_and_settings_and_could_be_published(key):
    demo = EXAMPLES[key]
    response = logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "", "example": key})

    journey = Journey.objects.get()
    assert response.status_code == 302
    assert response.url == f"/journeys/{journey.pk}/"
    assert (journey.name, journey.status) == (demo.name, "draft")
    assert journey.graph == demo.graph
    assert journey.settings == demo.settings
    assert journey_validate(graph=journey.graph, settings=journey.settings).ok


def test_every_example_has_a_goal_and_settings_the_server_accepts():
    for demo in DEMO_JOURNEYS:
        cleaned, errors = clean_settings(demo.settings)
        assert errors == {}, demo.name
        assert cleaned["goal"] and cleaned["goal"]["event"], f"{demo.name} has no goal"


def test_a_typed_name_is_kept_for_a_journey_made_from_an_example():
    logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "Basket, spring", "example": "abandoned-basket"})
    assert Journey.objects.get().name == "Basket, spring"


def test_an_unknown_example_creates_nothing_and_says_why():
    response = logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "X", "example": "../secrets"}, follow=True)
    assert not Journey.objects.exists()
    assert "Choose a blank journey or one of the examples listed." in response.content.decode()


def test_a_blank_journey_is_still_made_without_an_example():
    logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "Win-back", "example": ""})
    journey = Journey.objects.get()
    assert (journey.name, journey.graph["nodes"], journey.settings) == ("Win-back", [], {})


def test_a_reviewer_cannot_make_a_journey_from_an_example():
    assert logged_in(roles.REVIEWERS).post("/journeys/new/", {"example": "welcome-series"}).status_code == 403
    assert not Journey.objects.exists()
