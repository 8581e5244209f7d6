"""The journeys list in a real browser: search, filter, create, duplicate, archive, and markup shown as text."""

import re

import pytest

from journeys import services
from journeys.models import Journey
from journeys.roles import MARKETERS, REVIEWERS
from tests.factories import make_user

pytestmark = pytest.mark.browser

HOSTILE_NAME = '<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = \'img\'">'


def journey_names(page) -> list[str]:
    return [name.strip() for name in page.locator("table.journeys a.name").all_inner_texts()]


def row(page, name: str):
    return page.locator("table.journeys tbody tr", has=page.get_by_role("link", name=name, exact=True))


@pytest.fixture
def journeys(live_server_url):
    """Three drafts and one paused journey, the paused one edited last."""
    made = [services.journey_create(name=name) for name in ("Welcome series", "Abandoned basket", "Basket reminder")]
    paused = services.journey_create(name="Loyalty reward")
    Journey.objects.filter(pk=paused.pk).update(status="paused")
    return made


def test_a_marketer_searches_and_filters_the_list(page, live_server_url, login, journeys):
    login(page, make_user(role=MARKETERS))
    page.goto(f"{live_server_url}/")
    assert page.url == f"{live_server_url}/journeys/"
    assert sorted(journey_names(page)) == ["Abandoned basket", "Basket reminder", "Loyalty reward", "Welcome series"]

    page.get_by_label("Name", exact=True).fill("basket")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=basket"))
    assert sorted(journey_names(page)) == ["Abandoned basket", "Basket reminder"]

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Status", exact=True).select_option("paused")  # submits the form by itself
    page.wait_for_url(re.compile(r"status=paused"))
    assert journey_names(page) == ["Loyalty reward"]
    assert "Paused" in row(page, "Loyalty reward").inner_text()


def test_create_opens_the_new_journey_in_the_editor(page, live_server_url, login, journeys):
    login(page, make_user(role=MARKETERS))
    page.goto(f"{live_server_url}/journeys/")
    page.get_by_label("New journey", exact=True).fill("Win-back")
    page.get_by_role("button", name="Create").click()

    page.wait_for_url(re.compile(r"/journeys/\d+/$"))
    created = Journey.objects.get(name="Win-back")
    assert page.url == f"{live_server_url}/journeys/{created.pk}/"
    assert created.status == "draft"


def test_duplicate_and_archive_from_the_list(page, live_server_url, login, journeys, artifact_path):
    login(page, make_user(role=MARKETERS))
    page.goto(f"{live_server_url}/journeys/")

    row(page, "Welcome series").get_by_role("button", name="Duplicate").click()
    page.wait_for_url(re.compile(r"q=Copy"))
    assert page.get_by_role("status").inner_text().strip() == "Made a draft copy: Copy of Welcome series."
    assert journey_names(page) == ["Copy of Welcome series"]

    page.goto(f"{live_server_url}/journeys/")
    page.once("dialog", lambda dialog: dialog.accept())
    row(page, "Abandoned basket").get_by_role("button", name="Archive").click()
    page.wait_for_load_state()
    page.get_by_text("Archived Abandoned basket.").wait_for()
    assert "Abandoned basket" not in journey_names(page)
    assert Journey.objects.get(name="Abandoned basket").status == "archived"
    # A paused journey cannot be archived, so it is not offered.
    assert row(page, "Loyalty reward").get_by_role("button", name="Archive").count() == 0
    page.screenshot(path=artifact_path("journey-list.png"), full_page=True)
    assert artifact_path("journey-list.png").stat().st_size > 0


def test_dismissing_the_archive_question_keeps_the_journey(page, live_server_url, login, journeys):
    login(page, make_user(role=MARKETERS))
    page.goto(f"{live_server_url}/journeys/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row(page, "Welcome series").get_by_role("button", name="Archive").click()
    assert "Welcome series" in journey_names(page)
    assert Journey.objects.get(name="Welcome series").status == "draft"


def test_a_reviewer_sees_the_list_without_controls(page, live_server_url, login, journeys):
    login(page, make_user(role=REVIEWERS))
    page.goto(f"{live_server_url}/journeys/")
    assert len(journey_names(page)) == 4
    assert page.get_by_role("button", name="Create").count() == 0
    assert page.get_by_role("button", name="Duplicate").count() == 0
    assert page.get_by_role("button", name="Archive").count() == 0


def test_a_journey_name_with_markup_is_shown_as_text(page, live_server_url, login, artifact_path):
    services.journey_create(name=HOSTILE_NAME)
    login(page, make_user(role=MARKETERS))
    page.goto(f"{live_server_url}/journeys/")

    assert journey_names(page) == [HOSTILE_NAME]
    assert page.evaluate("window.__pwned") is None
    assert page.locator("table.journeys img").count() == 0
    page.screenshot(path=artifact_path("journey-list-markup.png"))
