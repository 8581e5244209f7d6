"""The JSON API of customer profiles, audience estimates and manual removal from journeys."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from journeys import estimates, profiles
from journeys.api.permissions import JourneyAccess
from journeys.api.serializers import EnrollmentSerializer, StepSerializer
from journeys.conditions import ConditionSerializer
from journeys.models import Customer, Journey
from journeys.roles import can_read_journeys


class AnyRole(BasePermission):
    """Everyone with a role, whatever the method: for POSTs that only read (estimates)."""

    message = "Your account has no role: ask an Admin to make you a Marketer, Reviewer or Admin."

    def has_permission(self, request, view):
        return can_read_journeys(request.user)


class CustomerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "external_id", "email", "phone", "created_at", "updated_at"]


class ConsentStateSerializer(serializers.Serializer):
    channel = serializers.CharField()
    state = serializers.ChoiceField(choices=["subscribed", "unsubscribed", "not_asked"])
    changed_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(allow_null=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    name = serializers.CharField()
    properties = serializers.JSONField()
    timestamp = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    source = serializers.CharField(source="source.name")


class EventPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    name = serializers.CharField()
    events = EventSerializer(many=True)


class MergeSerializer(serializers.Serializer):
    merged_away_id = serializers.IntegerField()
    merged_away_external_id = serializers.CharField()
    anonymous_ids = serializers.ListField(child=serializers.CharField())
    merged_at = serializers.DateTimeField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    journey_id = serializers.IntegerField()
    journey = serializers.CharField(source="journey.name")
    node_id = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    skip_reason = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    clicked_at = serializers.DateTimeField(allow_null=True)
    bounced_at = serializers.DateTimeField(allow_null=True)


class ProfileJourneySerializer(EnrollmentSerializer):
    journey = serializers.CharField(source="journey.name", read_only=True)
    journey_id = serializers.IntegerField(read_only=True)

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "journey", "journey_id"]


class ProfileSerializer(serializers.Serializer):
    customer = serializers.SerializerMethodField()
    consent = ConsentStateSerializer(many=True)
    identities = serializers.SerializerMethodField()
    merges = MergeSerializer(many=True)
    journeys = serializers.SerializerMethodField()
    deliveries = DeliverySerializer(many=True)
    events = EventPageSerializer()

    def get_customer(self, profile) -> dict:
        customer = profile["customer"]
        return {
            **CustomerSummarySerializer(customer).data,
            "timezone": customer.timezone,
            "traits": customer.attributes,
        }

    def get_identities(self, profile) -> list[dict]:
        customer = profile["customer"]
        found = [{"kind": "anonymous_id", "value": a.anonymous_id} for a in profile["anonymous_ids"]]
        for kind in ("email", "phone"):
            if value := getattr(customer, kind):
                found.insert(0, {"kind": kind, "value": value})
        if customer.external_id:
            found.insert(0, {"kind": "external_id", "value": customer.external_id})
        return found

    def get_journeys(self, profile) -> list[dict]:
        return [
            {
                **ProfileJourneySerializer(item["enrollment"]).data,
                "steps": StepSerializer(item["steps"], many=True).data,
            }
            for item in profile["journeys"]
        ]


def _int(raw, name: str, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: "a whole number"}) from None


def _event_page(customer_id: int, params) -> profiles.EventPage:
    try:
        return profiles.customer_events(
            customer_id, name=params.get("name", ""), page=_int(params.get("page"), "page", 1)
        )
    except profiles.ProfileError as error:
        raise ValidationError({"detail": str(error)}) from None


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="An exact external id, email (any case), phone or anonymous id.")
    ],
    responses=CustomerSummarySerializer(many=True),
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def customer_search(request):
    """Customers found by an exact identity, newest first, at most 50."""
    query = request.query_params.get("q", "")
    if len(query) > profiles.SEARCH_MAX_LENGTH:
        raise ValidationError({"q": f"at most {profiles.SEARCH_MAX_LENGTH} characters"})
    return Response(CustomerSummarySerializer(profiles.customer_search(query), many=True).data)


@extend_schema(
    parameters=[
        OpenApiParameter("name", str, description="Only events with this name."),
        OpenApiParameter("page", int, description="Page of the timeline (50 events each), from 1."),
    ],
    responses=ProfileSerializer,
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def customer_profile(request, customer_id: int):
    """The whole profile: traits, consent, identities and merges, journeys with their paths,
    messages with their statuses and the first page of the event timeline."""
    customer = get_object_or_404(Customer, pk=customer_id)
    profile = profiles.customer_profile(customer)
    profile["events"] = _event_page(customer.pk, request.query_params)
    return Response(ProfileSerializer(profile).data)


@extend_schema(
    parameters=[
        OpenApiParameter("name", str, description="Only events with this name."),
        OpenApiParameter("page", int, description="Page of the timeline (50 events each), from 1."),
    ],
    responses=EventPageSerializer,
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def customer_events(request, customer_id: int):
    """The customer's events, newest first, a page at a time."""
    customer = get_object_or_404(Customer, pk=customer_id)
    return Response(EventPageSerializer(_event_page(customer.pk, request.query_params)).data)


class RemoveCustomersSerializer(serializers.Serializer):
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=profiles.REMOVE_MAX
    )
    enrollment_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=profiles.REMOVE_MAX
    )
    reason = serializers.CharField(max_length=profiles.REASON_MAX_LENGTH)

    def validate(self, data):
        if not data["customer_ids"] and not data["enrollment_ids"]:
            raise serializers.ValidationError("name customer_ids or enrollment_ids")
        if len(data["customer_ids"]) + len(data["enrollment_ids"]) > profiles.REMOVE_MAX:
            raise serializers.ValidationError(f"at most {profiles.REMOVE_MAX} customers at once")
        return data


class RemovedSerializer(serializers.Serializer):
    removed = serializers.IntegerField(help_text="How many were inside the journey and now exited.")


@extend_schema(request=RemoveCustomersSerializer, responses={200: RemovedSerializer})
@api_view(["POST"])
@permission_classes([JourneyAccess])
def journey_remove_customers(request, journey_id: int):
    """Take customers out of the journey by hand (Marketers and Admins); the reason goes in their path."""
    journey = get_object_or_404(Journey, pk=journey_id)
    body = RemoveCustomersSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        removed = profiles.journey_customers_remove(journey=journey, user=request.user, **body.validated_data)
    except profiles.ProfileError as error:
        raise ValidationError({"detail": str(error)}) from None
    return Response({"removed": removed})


@extend_schema_field({"type": "object", "additionalProperties": True})
class ConditionField(ConditionSerializer):
    """The condition tree (see journeys.conditions), as a free-form object in the OpenAPI schema."""


class EstimateRequestSerializer(serializers.Serializer):
    condition = ConditionField()


class EstimateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    exact = serializers.BooleanField(help_text="False when the count is scaled up from a sample.")
    sampled = serializers.IntegerField(help_text="Customers looked at for an estimate; 0 when exact.")


@extend_schema(request=EstimateRequestSerializer, responses={200: EstimateSerializer, 503: dict})
@api_view(["POST"])
@permission_classes([AnyRole])
def audience_estimate(request):
    """How many customers match a condition now: exact on small tables, otherwise an estimate."""
    body = EstimateRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        estimate = estimates.audience_estimate(body.validated_data["condition"], now=timezone.now())
    except estimates.EstimateTimeout as error:
        return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response(EstimateSerializer(estimate).data)
