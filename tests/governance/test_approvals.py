"""Approval before publish, through the API a canvas uses: submit, review, decide, publish."""

import json

import pytest
from django.core import mail
from django.test import Client

from journeys import roles, services
from journeys.governance.context import acting_as_system
from journeys.models import AuditEntry, Journey, Notification, ReviewRequest
from tests.factories import make_journey, make_user
from tests.governance.helpers import live_journey, person, small_graph

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def approval_required(settings):
    settings.APPROVAL_REQUIRED = True
    settings.GOVERNANCE_EMAIL = ""


@pytest.fixture
def people():
    marketer, marketer_client = person(roles.MARKETERS, email="m@example.com")
    reviewer, reviewer_client = person(roles.REVIEWERS, email="r@example.com")
    admin, admin_client = person(roles.ADMINS, email="a@example.com")
    return {
        "marketer": (marketer, marketer_client),
        "reviewer": (reviewer, reviewer_client),
        "admin": (admin, admin_client),
    }


def journey_with_draft_change() -> Journey:
    with acting_as_system("test"):
        journey = live_journey()
    services.journey_update(journey=journey, graph=small_graph(subject="Welcome aboard"))
    return journey


def submit(client, journey, note="please check"):
    return client.post(f"/api/journeys/{journey.pk}/review/submit/", {"note": note}, content_type="application/json")


def publish(client, journey):
    return client.post(f"/api/journeys/{journey.pk}/publish/", {}, content_type="application/json")


def edit(client, journey, subject):
    return client.patch(
        f"/api/journeys/{journey.pk}/", {"graph": small_graph(subject=subject)}, content_type="application/json"
    )


def test_publish_is_refused_until_a_reviewer_approves(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    refused = publish(marketer, journey)
    assert refused.status_code == 409
    assert "needs approval" in refused.json()["detail"]


def test_the_whole_review_then_publish(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, reviewer = people["reviewer"]
    submitted = submit(marketer, journey)
    assert submitted.status_code == 201
    review_id = submitted.json()["id"]
    state = reviewer.get(f"/api/journeys/{journey.pk}/review/").json()
    assert state["locked"] is True and state["can_review"] is True
    assert [(c["id"], c["fields"]) for c in state["diff"]["nodes"]["changed"]] == [("email", ["config.subject"])]
    assert state["diff"]["live_version"] == 1
    assert publish(marketer, journey).status_code == 409  # still pending
    assert (
        reviewer.post(
            f"/api/reviews/{review_id}/comments/", {"body": "looks fine"}, content_type="application/json"
        ).status_code
        == 201
    )
    approved = reviewer.post(f"/api/reviews/{review_id}/approve/", {"note": "ok"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    published = publish(marketer, journey)
    assert published.status_code == 200, published.content
    assert ReviewRequest.objects.get(pk=review_id).status == ReviewRequest.Status.PUBLISHED
    actions = list(
        AuditEntry.objects.filter(object_id=str(journey.pk), object_type="journeys.journey").values_list(
            "action", flat=True
        )
    )
    for action in ("journey.submit", "journey.review_comment", "journey.approve", "journey.publish"):
        assert action in actions


def test_the_draft_is_locked_while_in_review(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    submit(marketer, journey)
    response = edit(marketer, journey, "sneaky")
    assert response.status_code == 400
    assert "in review" in str(response.json())
    journey.refresh_from_db()
    assert journey.graph == small_graph(subject="Welcome aboard")


def test_a_draft_changed_after_approval_cannot_be_published_nor_approved_again(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, reviewer = people["reviewer"]
    review_id = submit(marketer, journey).json()["id"]
    reviewer.post(f"/api/reviews/{review_id}/approve/", {}, content_type="application/json")
    assert edit(marketer, journey, "changed after approval").status_code == 200
    refused = publish(marketer, journey)
    assert refused.status_code == 409
    assert "changed after it was approved" in refused.json()["detail"]
    again = reviewer.post(f"/api/reviews/{review_id}/approve/", {}, content_type="application/json")
    assert again.status_code == 409
    assert "changed after it was approved" in again.json()["detail"]
    # Submitting the new draft and approving it makes it publishable.
    new_id = submit(marketer, journey).json()["id"]
    reviewer.post(f"/api/reviews/{new_id}/approve/", {}, content_type="application/json")
    assert publish(marketer, journey).status_code == 200


def test_a_rejected_draft_cannot_be_published(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, reviewer = people["reviewer"]
    review_id = submit(marketer, journey).json()["id"]
    rejected = reviewer.post(
        f"/api/reviews/{review_id}/reject/", {"note": "wrong copy"}, content_type="application/json"
    )
    assert rejected.json()["status"] == "rejected"
    assert "rejected" in publish(marketer, journey).json()["detail"]
    assert edit(marketer, journey, "better copy").status_code == 200  # unlocked again


def test_marketers_cannot_approve_and_nobody_approves_their_own_review(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, admin = people["admin"]
    review_id = admin.post(f"/api/journeys/{journey.pk}/review/submit/", {}, content_type="application/json").json()[
        "id"
    ]
    assert marketer.post(f"/api/reviews/{review_id}/approve/", {}, content_type="application/json").status_code == 403
    assert admin.post(f"/api/reviews/{review_id}/approve/", {}, content_type="application/json").status_code == 403
    assert ReviewRequest.objects.get(pk=review_id).status == "pending"


def test_reviewers_cannot_submit(people):
    journey = journey_with_draft_change()
    _, reviewer = people["reviewer"]
    assert submit(reviewer, journey).status_code == 403


def test_a_second_submit_while_pending_is_refused(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    submit(marketer, journey)
    assert submit(marketer, journey).status_code == 409


def test_withdrawing_unlocks_the_draft(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    review_id = submit(marketer, journey).json()["id"]
    assert marketer.post(f"/api/reviews/{review_id}/withdraw/").status_code == 200
    assert edit(marketer, journey, "after withdrawing").status_code == 200


def test_pause_and_stop_never_wait_for_approval(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    submit(marketer, journey)  # pending, and the draft differs from the live version
    assert marketer.post(f"/api/journeys/{journey.pk}/pause/").status_code == 200
    assert marketer.post(f"/api/journeys/{journey.pk}/stop/").status_code == 200
    assert Journey.objects.get(pk=journey.pk).status == Journey.Status.STOPPED
    assert AuditEntry.objects.filter(action="journey.stop", object_id=str(journey.pk)).exists()


def test_an_admin_turns_approval_off_for_one_journey_and_marketers_cannot(people, settings):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, admin = people["admin"]
    url = f"/api/journeys/{journey.pk}/review/policy/"
    assert marketer.put(url, {"approval_required": False}, content_type="application/json").status_code == 403
    response = admin.put(url, {"approval_required": False}, content_type="application/json")
    assert response.status_code == 200 and response.json()["approval_required"] is False
    assert publish(marketer, journey).status_code == 200
    assert AuditEntry.objects.filter(action="journey.review_policy", object_id=str(journey.pk)).exists()


def test_an_admin_can_require_approval_for_one_journey_when_the_install_does_not(people, settings):
    settings.APPROVAL_REQUIRED = False
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    _, admin = people["admin"]
    admin.put(
        f"/api/journeys/{journey.pk}/review/policy/", {"approval_required": True}, content_type="application/json"
    )
    assert publish(marketer, journey).status_code == 409


def test_reviewers_are_notified_of_requests_and_the_submitter_of_decisions(
    people, settings, django_capture_on_commit_callbacks
):
    settings.GOVERNANCE_EMAIL = "journeys@example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    reviewer_user, reviewer = people["reviewer"]
    with django_capture_on_commit_callbacks(execute=True):
        review_id = submit(marketer, journey).json()["id"]
    assert Notification.objects.filter(recipient=reviewer_user, kind="review_requested").exists()
    bell = reviewer.get("/api/notifications/").json()
    assert bell["unread"] >= 1 and "asks for a review" in bell["results"][0]["message"]
    assert any("r@example.com" in message.to and "a@example.com" in message.to for message in mail.outbox)
    assert all(message.from_email == "journeys@example.com" for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(f"/api/reviews/{review_id}/approve/", {}, content_type="application/json")
    assert marketer.get("/api/notifications/?unread=1").json()["results"][0]["kind"] == "review_approved"
    assert any(message.to == ["m@example.com"] for message in mail.outbox)
    assert marketer.post("/api/notifications/read/", {}, content_type="application/json").json()["marked"] == 1
    assert marketer.get("/api/notifications/").json()["unread"] == 0


def test_no_email_without_governance_email(people, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    with django_capture_on_commit_callbacks(execute=True):
        submit(marketer, journey)
    assert mail.outbox == []


def test_demo_seeding_publishes_when_approval_is_required_and_says_so_in_the_log():
    from journeys.demo import demo_journeys_seed

    created = demo_journeys_seed()
    assert created and all(j.status == Journey.Status.LIVE for j in created)
    assert AuditEntry.objects.filter(action="journey.auto_approve", actor="system:seed_demo").count() == len(created)


def test_publishing_without_a_request_or_system_actor_is_refused_in_the_service():
    journey = make_journey(graph=small_graph(), publish=False)
    with pytest.raises(services.JourneyError, match="needs approval"):
        services.journey_publish(journey=journey)


def test_the_django_admin_cannot_edit_a_draft_in_review(people):
    journey = journey_with_draft_change()
    _, marketer = people["marketer"]
    submit(marketer, journey)
    client = Client()
    client.force_login(make_user(username="su", is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/journeys/journey/{journey.pk}/change/",
        {"name": "Renamed in admin", "description": "", "graph": json.dumps(journey.graph), "settings": "{}"},
    )
    assert response.status_code == 200 and "locked while it is in review" in response.content.decode()
    assert Journey.objects.get(pk=journey.pk).name != "Renamed in admin"


def test_the_seed_demo_command_works_when_approval_is_required_install_wide():
    from io import StringIO

    from django.core.management import call_command

    stdout = StringIO()
    call_command("seed_demo", stdout=stdout)
    assert "Demo journeys: 5 published" in stdout.getvalue()
    assert AuditEntry.objects.filter(action="journey.auto_approve", actor="system:seed_demo").count() == 5


def test_a_journey_never_published_lists_only_the_settings_changed_from_the_defaults(db):
    from journeys.governance import approvals

    journey = services.journey_create(name="New", settings={"re_entry": {"mode": "after_exit"}})

    diff = approvals.review_diff(journey)

    assert diff["live_version"] is None
    assert [item["key"] for item in diff["settings"]] == ["re_entry"]


def test_an_optional_review_approved_for_this_draft_is_marked_published_with_it(people, settings):
    settings.APPROVAL_REQUIRED = False
    journey = journey_with_draft_change()
    (_, marketer), (_, reviewer) = people["marketer"], people["reviewer"]
    review_id = submit(marketer, journey).json()["id"]
    reviewer.post(f"/api/reviews/{review_id}/approve/", {"note": ""}, content_type="application/json")

    assert publish(marketer, journey).status_code == 200

    assert ReviewRequest.objects.get(pk=review_id).status == "published"


def test_a_resubmitted_draft_keeps_the_earlier_rounds_comments_in_view(people):
    journey = journey_with_draft_change()
    (_, marketer), (_, reviewer) = people["marketer"], people["reviewer"]
    first = submit(marketer, journey).json()["id"]
    reviewer.post(f"/api/reviews/{first}/comments/", {"body": "The wait is short"}, content_type="application/json")
    reviewer.post(f"/api/reviews/{first}/reject/", {"note": "make it longer"}, content_type="application/json")
    edit(marketer, journey, "Welcome, again")
    second = submit(marketer, journey).json()["id"]

    state = reviewer.get(f"/api/journeys/{journey.pk}/review/").json()

    assert state["review"]["id"] == second and state["review"]["comments"] == []
    [earlier] = state["earlier"]
    assert (earlier["id"], earlier["status"], earlier["decision_note"]) == (first, "rejected", "make it longer")
    assert [c["body"] for c in earlier["comments"]] == ["The wait is short"]


def test_a_resubmitted_draft_says_what_changed_since_the_rejected_round(people):
    journey = journey_with_draft_change()
    (_, marketer), (_, reviewer) = people["marketer"], people["reviewer"]
    first = submit(marketer, journey).json()["id"]
    before = reviewer.get(f"/api/journeys/{journey.pk}/review/").json()
    assert before["since_earlier"] is None  # a first round has nothing earlier to compare with
    reviewer.post(f"/api/reviews/{first}/reject/", {"note": "friendlier subject"}, content_type="application/json")
    edit(marketer, journey, "Welcome, friend")
    submit(marketer, journey)

    state = reviewer.get(f"/api/journeys/{journey.pk}/review/").json()

    since = state["since_earlier"]
    assert (since["round"], since["status"]) == (first, "rejected")
    [change] = since["diff"]["nodes"]["changed"]
    assert {"field": "config.subject", "before": "Welcome aboard", "after": "Welcome, friend"} in change["values"]
    assert since["diff"]["nodes"]["added"] == [] and since["diff"]["settings"] == []
    # The main diff still compares the whole draft with the live version.
    [live_change] = state["diff"]["nodes"]["changed"]
    assert live_change["id"] == change["id"]
    assert any(v["field"] == "config.subject" and v["after"] == "Welcome, friend" for v in live_change["values"])


def test_a_changed_template_is_shown_by_name_in_the_diff(db):
    from journeys.governance import approvals
    from journeys.models import MessageTemplate
    from tests.factories import make_graph, make_journey, node

    welcome = MessageTemplate.objects.create(name="Welcome", channel="email", subject="Hi", html="<p>Hi</p>")
    reminder = MessageTemplate.objects.create(name="Reminder", channel="email", subject="Hi", html="<p>Hi</p>")

    def graph(template):
        nodes = [node("t", "api_trigger"), node("m", "send_email", {"template": template.pk})]
        return make_graph(nodes, [("t", "next", "m")])

    with acting_as_system("test"):
        journey = make_journey(graph=graph(welcome))
    services.journey_update(journey=journey, graph=graph(reminder))

    [change] = approvals.review_diff(journey)["nodes"]["changed"]

    assert change["values"] == [{"field": "config.template", "before": "Welcome", "after": "Reminder"}]
