"""The governance API: reviews (submit, comment, approve, reject, withdraw), notifications, the audit log."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from journeys.api.pagination import LimitOffsetWithCeiling
from journeys.governance import approvals, notifications, selectors
from journeys.models import Journey, JourneyReviewPolicy, Notification, ReviewRequest
from journeys.roles import ADMINS, can_edit_journeys, can_read_journeys, user_roles


class HasRole(BasePermission):
    message = "Your account has no role (Marketer, Reviewer or Admin)."

    def has_permission(self, request, view):
        return can_read_journeys(request.user)


class IsAdminRole(BasePermission):
    message = "The audit log is for Admins."

    def has_permission(self, request, view):
        return ADMINS in user_roles(request.user)


# Earlier review rounds shown beside the latest: enough for the story of one draft.
EARLIER_ROUNDS = 10


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username", default="")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    note = serializers.CharField()
    submitted_by = serializers.CharField(source="submitted_by.username", default="")
    submitted_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", default="")
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    base_version = serializers.IntegerField(source="base_version.number", default=None, allow_null=True)
    comments = CommentSerializer(many=True)


class ReviewStateSerializer(serializers.Serializer):
    approval_required = serializers.BooleanField()
    override = serializers.BooleanField(allow_null=True, help_text="The journey's own rule; null: the install's.")
    locked = serializers.BooleanField()
    can_submit = serializers.BooleanField()
    can_review = serializers.BooleanField()
    can_withdraw = serializers.BooleanField()
    can_set_policy = serializers.BooleanField()
    publishable = serializers.BooleanField(help_text="An approval (if needed) covers the draft as it is now.")
    blocked_reason = serializers.CharField(allow_blank=True)
    review = ReviewSerializer(allow_null=True, help_text="The latest review, pending or decided.")
    earlier = ReviewSerializer(
        many=True, help_text=f"The rounds before it, newest first (at most {EARLIER_ROUNDS}), with their comments."
    )
    diff = serializers.JSONField(help_text="The review's draft (or the current draft) against the live version.")
    since_earlier = serializers.JSONField(
        allow_null=True,
        help_text="While a resubmitted draft is in review: what it changed since the round before it "
        "(`round`: that round's id, `status`, `diff`); null otherwise.",
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=approvals.MAX_NOTE, default="")


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=approvals.MAX_COMMENT)


class PolicySerializer(serializers.Serializer):
    approval_required = serializers.BooleanField(allow_null=True)


class NotificationSerializer(serializers.ModelSerializer):
    journey_name = serializers.CharField(source="journey.name", default="")

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "journey", "journey_name", "review", "created_at", "read_at"]


class NotificationListSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    results = NotificationSerializer(many=True)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    token = serializers.CharField()
    interface = serializers.CharField()
    ip = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    object_repr = serializers.CharField()
    diff = serializers.JSONField()


def _refused(error: approvals.ApprovalError) -> Response:
    if error.forbidden:
        raise PermissionDenied(str(error))
    return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


def _state(journey: Journey, user) -> dict:
    rounds = list(
        journey.review_requests.select_related("submitted_by", "decided_by", "base_version").prefetch_related(
            "comments__author"
        )[: EARLIER_ROUNDS + 1]
    )
    latest = rounds[0] if rounds else None
    policy = JourneyReviewPolicy.objects.filter(journey=journey).first()
    blocked = ""
    try:
        approvals.publish_check(journey=journey, user=user)
    except approvals.ApprovalError as error:
        blocked = str(error)
    in_review = latest is not None and latest.status == ReviewRequest.Status.PENDING
    return {
        "approval_required": approvals.approval_required(journey),
        "override": policy.approval_required if policy is not None else None,
        "locked": in_review,
        "can_submit": can_edit_journeys(user) and not in_review and journey.status != Journey.Status.ARCHIVED,
        "can_review": approvals.can_review(user),
        "can_withdraw": in_review and (latest.submitted_by_id == user.pk or ADMINS in user_roles(user)),
        "can_set_policy": ADMINS in user_roles(user),
        "publishable": not blocked,
        "blocked_reason": blocked,
        "review": latest,
        # A resubmitted draft is a new round; what reviewers said before stays readable beside it.
        "earlier": rounds[1:],
        "diff": approvals.review_diff(latest if in_review else journey),
        "since_earlier": _since_earlier(rounds) if in_review else None,
    }


def _since_earlier(rounds: list[ReviewRequest]) -> dict | None:
    """A reviewer coming back to a resubmitted draft reads what changed since they last saw it."""
    if len(rounds) < 2:
        return None
    latest, earlier = rounds[0], rounds[1]
    return {"round": earlier.pk, "status": earlier.status, "diff": approvals.round_diff(earlier, latest)}


@extend_schema(responses=ReviewStateSerializer)
@api_view(["GET"])
@permission_classes([HasRole])
def review_state(request, journey_id: int):
    """Whether the journey needs approval, its latest review with comments, and what the draft changes."""
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    return Response(ReviewStateSerializer(_state(journey, request.user)).data)


@extend_schema(request=NoteSerializer, responses={201: ReviewSerializer, 409: dict})
@api_view(["POST"])
@permission_classes([HasRole])
def review_submit(request, journey_id: int):
    journey = get_object_or_404(Journey, pk=journey_id)
    body = NoteSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        review = approvals.review_submit(journey=journey, user=request.user, note=body.validated_data["note"])
    except approvals.ApprovalError as error:
        return _refused(error)
    return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema(request=PolicySerializer, responses=ReviewStateSerializer)
@api_view(["PUT"])
@permission_classes([HasRole])
def review_policy(request, journey_id: int):
    """An Admin sets whether this journey needs approval (null: follow APPROVAL_REQUIRED)."""
    journey = get_object_or_404(Journey, pk=journey_id)
    body = PolicySerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        approvals.review_policy_set(
            journey=journey, required=body.validated_data["approval_required"], user=request.user
        )
    except approvals.ApprovalError as error:
        return _refused(error)
    journey = Journey.objects.select_related("current_version").get(pk=journey.pk)
    return Response(ReviewStateSerializer(_state(journey, request.user)).data)


def _decide(request, review_id: int, approve: bool):
    review = get_object_or_404(ReviewRequest, pk=review_id)
    body = NoteSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        review = approvals.review_decide(
            review=review, user=request.user, approve=approve, note=body.validated_data["note"]
        )
    except approvals.ApprovalError as error:
        return _refused(error)
    return Response(ReviewSerializer(review).data)


@extend_schema(request=NoteSerializer, responses={200: ReviewSerializer, 409: dict})
@api_view(["POST"])
@permission_classes([HasRole])
def review_approve(request, review_id: int):
    return _decide(request, review_id, True)


@extend_schema(request=NoteSerializer, responses={200: ReviewSerializer, 409: dict})
@api_view(["POST"])
@permission_classes([HasRole])
def review_reject(request, review_id: int):
    return _decide(request, review_id, False)


@extend_schema(request=None, responses={200: ReviewSerializer, 409: dict})
@api_view(["POST"])
@permission_classes([HasRole])
def review_withdraw(request, review_id: int):
    review = get_object_or_404(ReviewRequest, pk=review_id)
    try:
        review = approvals.review_withdraw(review=review, user=request.user)
    except approvals.ApprovalError as error:
        return _refused(error)
    return Response(ReviewSerializer(review).data)


@extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
@api_view(["POST"])
@permission_classes([HasRole])
def review_comment(request, review_id: int):
    review = get_object_or_404(ReviewRequest.objects.select_related("journey"), pk=review_id)
    body = CommentInputSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        comment = approvals.review_comment(review=review, user=request.user, body=body.validated_data["body"])
    except approvals.ApprovalError as error:
        return _refused(error)
    return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


NOTIFICATIONS_SHOWN = 50


@extend_schema(
    parameters=[OpenApiParameter("unread", bool, description="Only unread ones.")],
    responses=NotificationListSerializer,
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def notification_list(request):
    """Your latest notifications (at most 50) and how many are unread."""
    unread_only = request.query_params.get("unread") in ("1", "true")
    items = notifications.notifications_for(request.user, unread_only=unread_only)[:NOTIFICATIONS_SHOWN]
    unread = notifications.notifications_for(request.user, unread_only=True).count()
    return Response({"unread": unread, "results": NotificationSerializer(items, many=True).data})


@extend_schema(request=MarkReadSerializer, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read(request):
    """Mark your notifications read: the ones in `ids`, or all of them."""
    body = MarkReadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    marked = notifications.notifications_mark_read(user=request.user, ids=body.validated_data.get("ids"))
    return Response({"marked": marked})


AUDIT_PARAMETERS = [
    OpenApiParameter(name, str, description=description)
    for name, description in (
        ("action", "Actions starting with this (journey. for all journey entries)."),
        ("actor", "User name, or system:<reason>."),
        ("object_type", "e.g. journeys.journey"),
        ("object_id", "The object's id."),
        ("interface", "web, api, admin or system."),
        ("since", "ISO date or date-time."),
        ("until", "ISO date or date-time."),
    )
]


@extend_schema(parameters=AUDIT_PARAMETERS)
class AuditList(ListAPIView):
    """The audit log, newest first (Admins only); the filters also apply to /audit/export.csv and .json."""

    permission_classes = [IsAdminRole]
    serializer_class = AuditEntrySerializer
    pagination_class = LimitOffsetWithCeiling

    def get_queryset(self):
        try:
            filters = selectors.audit_filters(self.request.query_params)
        except selectors.FilterError as error:
            raise ValidationError(error.errors) from None
        return selectors.audit_entries(filters)
