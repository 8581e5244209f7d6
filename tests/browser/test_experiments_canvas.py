"""Experiments on the canvas: the split node's badge shows the experiment's state and live weights and
links to its report, where a winner is declared only after a confirmation that says what happens."""

import pytest
from playwright.sync_api import expect

from journeys import roles
from journeys.models import Experiment, ExperimentDecision
from tests.browser.helpers import open_editor
from tests.experiments.helpers import experiment_journey
from tests.factories import make_user

pytestmark = pytest.mark.browser


def badge(page):
    return page.locator('.react-flow__node[data-id="s"] [data-testid="experiment-badge"]')


def test_the_badge_shows_a_running_split_and_then_the_winner_declared_after_confirming(
    page, browser, live_server_url, login, artifact_path
):
    journey = experiment_journey()
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    expect(badge(page)).to_have_attribute("data-state", "running")
    expect(badge(page).get_by_test_id("experiment-weights")).to_have_text("A 50% · B 50%")
    page.screenshot(path=artifact_path("experiment-badge-running.png"))

    # A reviewer follows the badge's link to the report and declares B the winner.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    reviewer = context.new_page()
    login(reviewer, make_user(role=roles.REVIEWERS))
    open_editor(reviewer, live_server_url, journey)
    badge(reviewer).get_by_role("link", name="Report").click()
    reviewer.wait_for_url(f"**/reports/journeys/{journey.pk}/experiments/s/")
    reviewer.get_by_label("Arm").select_option("B")

    reviewer.get_by_role("button", name="Declare winner").click()
    dialog = reviewer.get_by_role("dialog")
    expect(dialog).to_contain_text("Declare B the winner")
    expect(dialog).to_contain_text("New customers all go to B")
    expect(dialog).to_contain_text("Customers already past the split stay")
    reviewer.screenshot(path=artifact_path("experiment-declare-confirmation.png"))
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert not ExperimentDecision.objects.exists()  # cancelling decides nothing

    reviewer.get_by_role("button", name="Declare winner").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="Declare B the winner").click()
    expect(reviewer.locator(".messages")).to_contain_text("Winner declared.")
    experiment = Experiment.objects.get(journey=journey, node_id="s")
    assert (experiment.status, experiment.winner) == ("decided", "B")

    open_editor(reviewer, live_server_url, journey)
    expect(badge(reviewer)).to_have_attribute("data-state", "decided")
    context.close()

    # The marketer's open canvas picks the decision up by itself.
    expect(badge(page)).to_have_attribute("data-state", "decided", timeout=20_000)
    expect(badge(page)).to_contain_text("Winner: B")
    expect(badge(page).get_by_test_id("experiment-weights")).to_have_text("A 0% · B 100%")
    page.screenshot(path=artifact_path("experiment-badge-winner.png"))


def test_stopping_asks_first_and_names_the_arm_new_customers_take(page, live_server_url, login):
    journey = experiment_journey()
    login(page, make_user(role=roles.ADMINS))
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/experiments/s/")
    page.get_by_label("Arm").select_option("A")

    page.get_by_role("button", name="Stop experiment").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("takes A (100%), and no winner is declared")
    dialog.get_by_role("button", name="Stop the experiment").click()

    expect(page.locator(".messages")).to_contain_text("Experiment stopped.")
    experiment = Experiment.objects.get(journey=journey, node_id="s")
    assert (experiment.status, experiment.winner) == ("stopped", "A")
