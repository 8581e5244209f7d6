"""Approval before publish in a real browser: a Marketer submits, a Reviewer sees the diff on the
canvas and approves, the Marketer publishes; a change after approval makes publishing refused."""

import re

import pytest
from playwright.sync_api import expect

from journeys import roles, services
from journeys.governance import approvals
from journeys.governance.context import acting_as_system
from journeys.models import AuditEntry, Journey, JourneyReviewPolicy
from tests.browser.helpers import field, open_editor, select
from tests.factories import make_journey, make_user
from tests.governance.helpers import small_graph

pytestmark = pytest.mark.browser


def open_review(page):
    # The toolbar's button by its class: its name grows with the unread count, and "Preview" matches too.
    page.locator(".toolbar .review-bell").click()
    expect(page.locator(".review-panel")).to_be_visible()


def test_a_marketer_submits_a_reviewer_approves_and_a_later_change_blocks_publishing(
    page, browser, live_server_url, login, artifact_path
):
    with acting_as_system("browser test"):
        journey = make_journey(graph=small_graph(), name="Welcome with review")
    # Per journey rather than install-wide: the server runs in another process, the row reaches it.
    JourneyReviewPolicy.objects.create(journey=journey, approval_required=True)
    graph = small_graph(subject="Welcome aboard")
    graph["nodes"][1]["position"] = {"x": 0, "y": 160}
    graph["nodes"][2]["position"] = {"x": 0, "y": 320}
    services.journey_update(journey=journey, graph=graph)
    marketer = make_user(role=roles.MARKETERS, username="marketer")
    reviewer = make_user(role=roles.REVIEWERS, username="reviewer")

    # The marketer cannot publish yet, and submits the draft.
    login(page, marketer)
    open_editor(page, live_server_url, journey)
    page.screenshot(path=artifact_path("approval-0-toolbar.png"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast--error")).to_contain_text("needs approval")
    open_review(page)
    page.locator(".review-panel textarea").first.fill("New subject line")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".review-panel [data-testid=review]")).to_contain_text("In review")
    expect(page.locator("[data-testid=status]")).to_be_visible()
    # The draft is locked while in review, and the badge says why.
    expect(page.get_by_test_id("read-only")).to_have_text("In review: read-only")
    expect(page.get_by_test_id("read-only")).to_have_attribute("title", re.compile("withdraw the review"))
    page.screenshot(path=artifact_path("approval-1-submitted.png"))

    # The reviewer is notified, sees the change drawn on the canvas, comments and approves.
    reviewer_context = browser.new_context(viewport={"width": 1440, "height": 900})
    reviewer_page = reviewer_context.new_page()
    login(reviewer_page, reviewer)
    open_editor(reviewer_page, live_server_url, journey)
    expect(reviewer_page.locator("[data-testid=unread-count]")).to_have_text("1")
    open_review(reviewer_page)
    expect(reviewer_page.locator("[data-testid=review-diff]")).to_contain_text(
        "“Email: Welcome aboard”: subject Welcome → Welcome aboard"
    )
    expect(reviewer_page.locator("[data-testid=review-diff]")).not_to_contain_text("Settings changed")
    expect(reviewer_page.get_by_role("button", name="Withdraw")).to_have_count(0)  # only the submitter or an Admin
    reviewer_page.get_by_label("Show the changes on the canvas").check()
    expect(reviewer_page.locator('.react-flow__node.diff--changed[data-id="email"]')).to_have_count(1)
    expect(reviewer_page.locator('.react-flow__node[data-id="start"]')).not_to_have_class("diff--changed")
    reviewer_page.get_by_label("Comment").fill("Good subject")
    reviewer_page.get_by_role("button", name="Comment", exact=True).click()
    expect(reviewer_page.locator(".review-panel__comments")).to_contain_text("Good subject")
    reviewer_page.screenshot(path=artifact_path("approval-2-reviewer-diff.png"))
    reviewer_page.get_by_role("button", name="Approve").click()
    expect(reviewer_page.locator(".review-panel [data-testid=review]")).to_contain_text("Approved")
    reviewer_context.close()

    # The marketer, coming back to the editor left open, sees the approval without reloading
    # (as every minute while the tab is visible) and publishes the approved draft.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator(".review-panel [data-testid=review]")).to_contain_text("Approved")
    expect(page.get_by_test_id("read-only")).to_have_count(0)  # the lock went with the review
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_contain_text("Published version 2")
    assert Journey.objects.get(pk=journey.pk).current_version.number == 2
    # Through the ASGI server too, the log knows who acted and through which interface.
    approved = AuditEntry.objects.get(action="journey.approve", object_id=str(journey.pk))
    assert (approved.actor, approved.interface, approved.ip) == ("reviewer", "api", "127.0.0.1")

    # Approved again, then changed: publishing is refused with the reason.
    journey.refresh_from_db()  # journey_update saves the whole row: never from a stale instance
    services.journey_update(journey=journey, graph=small_graph(subject="Third"))
    review = approvals.review_submit(journey=journey, user=marketer)
    approvals.review_decide(review=review, user=reviewer, approve=True)
    services.journey_update(journey=journey, graph=small_graph(subject="Changed after approval"))
    page.reload()
    expect(page.locator(".editor-shell")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast--error")).to_contain_text("changed after it was approved")
    open_review(page)
    expect(page.locator("[data-testid=publish-blocked]")).to_contain_text("changed after it was approved")
    page.screenshot(path=artifact_path("approval-3-refused-after-change.png"))
    assert Journey.objects.get(pk=journey.pk).current_version.number == 2


def test_the_review_panel_follows_edits_names_who_decided_and_says_a_rejection_does_not_block(
    page, browser, live_server_url, login, artifact_path
):
    with acting_as_system("browser test"):
        journey = make_journey(graph=small_graph(), name="Optional review")
    JourneyReviewPolicy.objects.create(journey=journey, approval_required=False)
    marketer = make_user(role=roles.MARKETERS, username="marketer")
    reviewer = make_user(role=roles.REVIEWERS, username="reviewer")

    # The diff is fetched again when the panel opens: an edit saved since is in it.
    login(page, marketer)
    open_editor(page, live_server_url, journey)
    open_review(page)
    diff = page.locator("[data-testid=review-diff]")
    expect(diff).to_contain_text("No change to steps")
    page.get_by_role("button", name="Close the review panel").click()
    select(page, "email")
    field(page, "subject").locator("input").fill("A new subject")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    open_review(page)
    expect(diff).to_contain_text("“Email: A new subject”: subject Welcome → A new subject")
    # ...and after each save while it stays open.
    field(page, "body").locator("textarea").fill("Hello again")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(diff).to_contain_text("body Hello → Hello again")
    page.locator(".review-panel textarea").first.fill("Please check")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("[data-testid=review-credit]")).to_have_text("submitted by marketer")

    # The reviewer reads, right above the buttons, that rejecting does not stop publishing.
    reviewer_context = browser.new_context(viewport={"width": 1440, "height": 900})
    reviewer_page = reviewer_context.new_page()
    login(reviewer_page, reviewer)
    open_editor(reviewer_page, live_server_url, journey)
    open_review(reviewer_page)
    expect(reviewer_page.get_by_test_id("review-optional")).to_have_text(
        "Review is optional here: a rejection does not block publishing."
    )
    reviewer_page.get_by_role("button", name="Reject").click()
    # The decision is credited to who made it, not to who submitted.
    expect(reviewer_page.locator(".review-panel [data-testid=review] h3")).to_have_text(
        "Rejected by reviewer · submitted by marketer"
    )
    reviewer_page.screenshot(path=artifact_path("review-optional-rejected.png"))
    reviewer_context.close()

    # Next to Publish, the marketer reads what the rejection means here.
    page.reload()
    expect(page.locator(".editor-shell")).to_have_attribute("data-ready", "true")
    note = page.get_by_test_id("publish-review-note")
    expect(note).to_contain_text("reviewer rejected the last review")
    expect(note).to_contain_text("a rejection does not block publishing")
    expect(page.locator(".toolbar").get_by_role("button", name="Publish", exact=True)).to_be_enabled()
    page.screenshot(path=artifact_path("review-optional-marketer.png"))

    # Answering the rejection and resubmitting: the panel says what changed since that round.
    select(page, "email")
    field(page, "subject").locator("input").fill("A friendlier subject")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    open_review(page)
    page.get_by_role("button", name="Submit for review").click()
    since = page.get_by_test_id("review-since-earlier")
    expect(since.locator("h3")).to_have_text("Changed since the rejected round")
    expect(since).to_contain_text("subject A new subject → A friendlier subject")
    expect(since).not_to_contain_text("body")  # the body was already in the rejected round
    page.screenshot(path=artifact_path("review-since-rejected.png"))
