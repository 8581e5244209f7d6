"""Approval before publish: submit a draft for review, comment, approve or reject, and the publish check.

A review freezes the draft's graph and settings as submitted. While it is pending the draft is
locked; once decided it unlocks, and an approval only counts for publishing while the draft is
still exactly what was approved.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from journeys import nodes
from journeys.governance import audit, context
from journeys.governance.diff import graph_diff
from journeys.governance.notifications import notify, reviewers
from journeys.journey_settings import clean_settings
from journeys.models import Journey, JourneyReviewPolicy, MessageTemplate, ReviewComment, ReviewRequest
from journeys.roles import ADMINS, can_declare_winners, can_edit_journeys, can_read_journeys, user_roles

Review = ReviewRequest.Status
MAX_NOTE = 2000
MAX_COMMENT = 4000


class ApprovalError(Exception):
    """A review step the rules do not allow; `forbidden` when the role is the reason."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden


def can_review(user) -> bool:
    return can_declare_winners(user)  # Reviewers and Admins


def approval_required(journey: Journey) -> bool:
    policy = JourneyReviewPolicy.objects.filter(journey=journey).first()
    return policy.approval_required if policy is not None else settings.APPROVAL_REQUIRED


def review_policy_set(*, journey: Journey, required: bool | None, user) -> bool:
    """An Admin's override for one journey; None returns it to the install-wide setting."""
    if ADMINS not in user_roles(user):
        raise ApprovalError("only Admins change whether a journey needs approval", forbidden=True)
    before = approval_required(journey)
    if required is None:
        JourneyReviewPolicy.objects.filter(journey=journey).delete()
    else:
        JourneyReviewPolicy.objects.update_or_create(
            journey=journey, defaults={"approval_required": required, "updated_by": user}
        )
    after = approval_required(journey)
    audit.record(
        "journey.review_policy", journey, {"approval_required": [before, after], "override": required}, user=user
    )
    return after


def pending_review(journey: Journey) -> ReviewRequest | None:
    return journey.review_requests.filter(status=Review.PENDING).first()


def draft_lock_reason(journey: Journey) -> str | None:
    """Why the draft cannot be edited now, or None."""
    if journey.review_requests.filter(status=Review.PENDING).exists():
        return "the draft is locked while it is in review; withdraw the review to edit it"
    return None


def _same_as_draft(review: ReviewRequest, journey: Journey) -> bool:
    return review.graph == journey.graph and review.settings == journey.settings


def review_diff(review_or_journey) -> dict:
    """What the submitted draft (or the journey's current draft) changes against the live version."""
    if isinstance(review_or_journey, ReviewRequest):
        journey, graph, draft_settings = review_or_journey.journey, review_or_journey.graph, review_or_journey.settings
    else:
        journey = review_or_journey
        graph, draft_settings = journey.graph, journey.settings
    live = journey.current_version
    if live is None:
        # Never published: compared with the defaults, so only what the marketer set is listed.
        return _readable_diff(None, {}, graph, draft_settings, live_version=None)
    return _readable_diff(live.graph, live.settings, graph, draft_settings, live_version=live.number)


def round_diff(earlier: ReviewRequest, later: ReviewRequest) -> dict:
    """What a resubmitted draft changed since an earlier round: what the reviewer looks at again."""
    live_version = later.base_version.number if later.base_version else None
    return _readable_diff(earlier.graph, earlier.settings, later.graph, later.settings, live_version=live_version)


def _readable_diff(before_graph, before_settings, after_graph, after_settings, *, live_version) -> dict:
    """The diff a reviewer reads: steps named as on the canvas, templates by name.

    Settings are compared cleaned (defaults filled in, as versions store them), so a default is not
    reported as a change; settings the server would refuse are compared as they are.
    """

    def comparable(settings):
        cleaned, errors = clean_settings(settings or {})
        return settings if errors else cleaned

    diff = graph_diff(
        before_graph,
        after_graph,
        settings_before=comparable(before_settings),
        settings_after=comparable(after_settings),
        namer=_step_name,
    )
    diff["live_version"] = live_version
    _name_templates(diff)
    return diff


def _name_templates(diff: dict) -> None:
    """A step's template is stored by id; the reviewer reads its name ("template Welcome → Reminder")."""
    values = [
        v for change in diff["nodes"]["changed"] for v in change.get("values", []) if v["field"] == "config.template"
    ]
    ids = {v[side] for v in values for side in ("before", "after") if isinstance(v[side], int)}
    if not ids:
        return
    names = dict(MessageTemplate.objects.filter(pk__in=ids).values_list("pk", "name"))
    for value in values:
        for side in ("before", "after"):
            if isinstance(value[side], int):
                value[side] = names.get(value[side], f"template #{value[side]}")


def _step_name(node: dict) -> str:
    """A step as the canvas shows it: its label, else its title ("Email: Welcome"), else its kind."""
    data = node.get("data") or {}
    if data.get("label"):
        return str(data["label"])
    node_type = nodes.get(str(data.get("kind")))
    if node_type is not None:
        try:
            return node_type.title(data.get("config") or {})
        except Exception:  # a draft's config may be half-written; the kind still names the step
            pass
    return str(data.get("kind") or node.get("id"))


def review_submit(*, journey: Journey, user, note: str = "") -> ReviewRequest:
    if not can_edit_journeys(user):
        raise ApprovalError("only Marketers and Admins submit drafts for review", forbidden=True)
    if len(note) > MAX_NOTE:
        raise ApprovalError(f"the note is longer than {MAX_NOTE} characters")
    with transaction.atomic():
        journey = (
            Journey.objects.select_for_update(no_key=True, of=("self",))
            .select_related("current_version")
            .get(pk=journey.pk)
        )
        if journey.status == Journey.Status.ARCHIVED:
            raise ApprovalError("an archived journey cannot be submitted")
        if pending_review(journey) is not None:
            raise ApprovalError("this draft is already in review")
        try:
            with transaction.atomic():
                review = ReviewRequest.objects.create(
                    journey=journey,
                    graph=journey.graph,
                    settings=journey.settings,
                    base_version=journey.current_version,
                    note=note,
                    submitted_by=user,
                )
        except IntegrityError:  # another submit won the race
            raise ApprovalError("this draft is already in review") from None
        diff = review_diff(review)
        audit.record("journey.submit", journey, {"review": review.pk, "note": note, "changes": diff}, user=user)
        notify(
            recipients=reviewers(exclude=user),
            kind="review_requested",
            message=f"{user.get_username()} asks for a review of “{journey.name}”.",
            journey=journey,
            review=review,
        )
    return review


def review_decide(*, review: ReviewRequest, user, approve: bool, note: str = "") -> ReviewRequest:
    """Approve or reject a pending review. Refused when the draft no longer matches what was submitted."""
    if not can_review(user):
        raise ApprovalError("only Reviewers and Admins approve or reject", forbidden=True)
    if len(note) > MAX_NOTE:
        raise ApprovalError(f"the note is longer than {MAX_NOTE} characters")
    with transaction.atomic():
        journey = Journey.objects.select_for_update(no_key=True).get(pk=review.journey_id)
        review = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if review.status == Review.APPROVED and not _same_as_draft(review, journey):
            raise ApprovalError("the draft changed after it was approved; it must be submitted for review again")
        if review.status != Review.PENDING:
            raise ApprovalError(f"this review is already {review.status}")
        if review.submitted_by_id == user.pk:
            raise ApprovalError("a review must be decided by someone other than who submitted it", forbidden=True)
        if not _same_as_draft(review, journey):
            raise ApprovalError("the draft changed since it was submitted; it must be submitted again")
        review.status = Review.APPROVED if approve else Review.REJECTED
        review.decided_by = user
        review.decided_at = timezone.now()
        review.decision_note = note
        review.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        verb, done = ("approve", "approved") if approve else ("reject", "rejected")
        audit.record(f"journey.{verb}", journey, {"review": review.pk, "note": note}, user=user)
        if review.submitted_by is not None and review.submitted_by_id != user.pk:
            notify(
                recipients=[review.submitted_by],
                kind=f"review_{done}",
                message=f"{user.get_username()} {done} “{journey.name}”." + (f" {note}" if note else ""),
                journey=journey,
                review=review,
            )
    return review


def review_withdraw(*, review: ReviewRequest, user) -> ReviewRequest:
    if not (review.submitted_by_id == user.pk or ADMINS in user_roles(user)):
        raise ApprovalError("only who submitted the review, or an Admin, withdraws it", forbidden=True)
    with transaction.atomic():
        review = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if review.status != Review.PENDING:
            raise ApprovalError(f"this review is already {review.status}")
        review.status = Review.WITHDRAWN
        review.save(update_fields=["status"])
        audit.record("journey.review_withdraw", review.journey, {"review": review.pk}, user=user)
    return review


def review_comment(*, review: ReviewRequest, user, body: str) -> ReviewComment:
    if not can_read_journeys(user):
        raise ApprovalError("your role does not allow comments", forbidden=True)
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise ApprovalError(f"a comment is 1 to {MAX_COMMENT} characters")
    with transaction.atomic():
        comment = ReviewComment.objects.create(review=review, author=user, body=body)
        audit.record("journey.review_comment", review.journey, {"review": review.pk, "comment": body}, user=user)
        others = {review.submitted_by_id} | set(review.comments.values_list("author_id", flat=True))
        if review.decided_by_id:
            others.add(review.decided_by_id)
        others.discard(user.pk)
        others.discard(None)
        recipients = list(get_user_model().objects.filter(pk__in=others, is_active=True))
        if review.status == Review.PENDING:
            recipients += [r for r in reviewers(exclude=user) if r.pk not in others]
        notify(
            recipients=recipients,
            kind="review_comment",
            message=f"{user.get_username()} commented on “{review.journey.name}”: {body[:200]}",
            journey=review.journey,
            review=review,
        )
    return comment


def publish_check(*, journey: Journey, user) -> ReviewRequest | None:
    """Called by journey_publish with the journey row locked: the approved review this publish uses.

    Raises ApprovalError unless approval is not required, the actor is the system (demo seeding,
    recorded as auto-approved), or the latest review is approved and the draft is unchanged since.
    """
    if not approval_required(journey):
        # Review is optional here, but an approval of exactly this draft is still what goes live:
        # marked published, it stops showing as "Approved" on a draft that has none left to approve.
        latest = journey.review_requests.exclude(status=Review.WITHDRAWN).first()
        if latest is not None and latest.status == Review.APPROVED and _same_as_draft(latest, journey):
            return latest
        return None
    actor = context.current()
    if actor.system_reason and context.request_user(actor) is None:
        audit.record("journey.auto_approve", journey, {"reason": actor.system_reason})
        return None
    latest = journey.review_requests.exclude(status=Review.WITHDRAWN).first()
    if latest is None or latest.status == Review.PUBLISHED:
        raise ApprovalError("this journey needs approval before publishing: submit the draft for review")
    if latest.status == Review.PENDING:
        raise ApprovalError("the draft is in review: it can be published once a Reviewer approves it")
    if latest.status == Review.REJECTED:
        raise ApprovalError("the last review was rejected: change the draft and submit it again")
    if not _same_as_draft(latest, journey):
        raise ApprovalError("the draft changed after it was approved: submit it for review again")
    return latest


def publish_done(*, review: ReviewRequest | None) -> None:
    if review is not None:
        ReviewRequest.objects.filter(pk=review.pk).update(status=Review.PUBLISHED)
