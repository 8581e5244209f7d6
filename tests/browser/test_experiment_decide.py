"""Declaring a winner in Chromium with too little data (walk #14): the confirmation repeats the
health warnings, and its Cancel is styled as the secondary answer."""

import pytest

from journeys.roles import REVIEWERS
from tests.factories import make_user
from tests.reports.helpers import populated_journey

pytestmark = pytest.mark.browser


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_the_confirmation_warns_of_too_little_data_and_cancel_is_secondary(
    transactional_db, page, live_server_url, login
):
    journey, experiment = populated_journey(customers=4, buyers=1)
    login(page, make_user(role=REVIEWERS))
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/experiments/s/")

    page.select_option("#decide-variant", "B")
    page.click("button[name=kind][value=winner]")

    dialog = page.get_by_role("dialog")
    assert "too few to conclude" in dialog.inner_text()
    cancel, confirm = dialog.get_by_role("button", name="Cancel"), dialog.get_by_role("button", name="Declare B")
    assert background(cancel) != background(confirm)
    cancel.click()
    experiment.refresh_from_db()
    assert experiment.status == "running"

    page.click("button[name=kind][value=stop]")  # stopping declares no winner: no evidence warning
    assert "too few to conclude" not in page.get_by_role("dialog").inner_text()
