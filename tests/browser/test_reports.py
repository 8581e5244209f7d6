"""The report pages in Chromium: tables, banners and the Chart.js charts drawn, saved as screenshots."""

import pytest

from journeys.roles import REVIEWERS
from tests.factories import make_user
from tests.reports.helpers import populated_journey

pytestmark = pytest.mark.browser


def drawn_charts(page) -> dict[str, tuple[int, int]]:
    """{chart name: (width, height)} of every canvas the chart script drew on."""
    return page.eval_on_selector_all(
        "canvas[data-chart]",
        "els => Object.fromEntries(els.filter(e => e.dataset.drawn === 'true')"
        ".map(e => [e.dataset.chart, [e.width, e.height]]))",
    )


def has_ink(page, name: str) -> bool:
    """Did anything get painted: some pixel of the canvas is not transparent."""
    return page.eval_on_selector(
        f"canvas[data-chart={name}]",
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; }",
    )


def test_the_experiment_report_draws_its_charts(transactional_db, page, live_server_url, login, artifact_path):
    journey, _ = populated_journey()
    login(page, make_user(role=REVIEWERS))
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/experiments/s/")
    page.wait_for_selector("canvas[data-chart=assignments][data-drawn=true]")

    charts = drawn_charts(page)
    assert set(charts) == {"rate", "assignments"}
    assert all(width > 100 and height > 100 for width, height in charts.values())
    assert has_ink(page, "rate") and has_ink(page, "assignments")
    assert page.locator("[data-check=sample_ratio_mismatch]").is_visible()
    assert page.locator("table[data-table=variants] tbody tr").count() == 2
    page.screenshot(path=artifact_path("experiment-report.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("header.site").is_hidden()  # print CSS hides the navigation
    page.screenshot(path=artifact_path("experiment-report-print.png"), full_page=True)


def test_the_journey_report_draws_its_charts(transactional_db, page, live_server_url, login, artifact_path):
    journey, _ = populated_journey()
    login(page, make_user(role=REVIEWERS))
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/")
    page.wait_for_selector("canvas[data-chart=exits][data-drawn=true]")

    charts = drawn_charts(page)
    assert set(charts) == {"funnel", "conversion", "flows", "exits"}
    assert all(width > 100 and height > 100 for width, height in charts.values())
    for name in charts:
        assert has_ink(page, name), name
    # Routes and exit reasons carry long labels: at 1440 px they get the whole row, not half.
    assert charts["flows"][0] > 1.8 * charts["funnel"][0]
    assert charts["exits"][0] > 1.8 * charts["funnel"][0]
    page.screenshot(path=artifact_path("journey-report.png"), full_page=True)


def test_a_reviewer_declares_a_winner_in_the_browser(transactional_db, page, live_server_url, login):
    journey, experiment = populated_journey()
    login(page, make_user(role=REVIEWERS))
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/experiments/s/")
    page.select_option("#decide-variant", "B")
    page.click("button[name=kind][value=winner]")
    page.get_by_role("dialog").get_by_role("button", name="Declare B the winner").click()  # the confirmation
    page.wait_for_selector("text=Winner declared.")
    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner) == ("decided", "B")
