"""POST /api/journeys/<id>/test-runs/: a simulated run of one test profile, returned as its full path.

A test run only reads, so Reviewers may run one too; sending the rendered emails to a test
address is a Marketer's or Admin's call.
"""

import orjson
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from journeys import simulation
from journeys.api.permissions import JourneyAccess
from journeys.models import Journey
from journeys.roles import can_edit_journeys, can_read_journeys
from journeys.simulation.runs import TestRunError, TestRunRequest, journey_test_run, test_run_profile_customer

MAX_JSON_BYTES = 16_000  # traits, consent and each event's properties


def _small_json(value):
    if len(orjson.dumps(value)) > MAX_JSON_BYTES:
        raise serializers.ValidationError(f"must be at most {MAX_JSON_BYTES} bytes of JSON")
    return value


class TestRunProfileSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=255, required=False, default="test-profile")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    traits = serializers.DictField(required=False, default=dict, validators=[_small_json])
    consent = serializers.DictField(
        required=False,
        default=dict,
        validators=[_small_json],
        help_text="Per channel: true, false, or subscribed, unsubscribed, not_asked.",
    )

    def validate_consent(self, value):
        try:
            simulation.consent_from_input(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value


class TestRunEventSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=255)
    offset_seconds = serializers.IntegerField(min_value=0, max_value=simulation.MAX_HORIZON_SECONDS)
    properties = serializers.DictField(required=False, default=dict, validators=[_small_json])


class TestRunSerializer(serializers.Serializer):
    version = serializers.ChoiceField(choices=["draft", "live"], default="draft")
    customer_id = serializers.CharField(
        max_length=255, required=False, help_text="An existing customer's external id; or give `profile`."
    )
    profile = TestRunProfileSerializer(required=False)
    events = TestRunEventSerializer(many=True, required=False, default=list, max_length=simulation.MAX_EVENTS)
    horizon_seconds = serializers.IntegerField(
        min_value=1, max_value=simulation.MAX_HORIZON_SECONDS, required=False, default=30 * 86400
    )
    trigger = serializers.CharField(max_length=64, required=False)
    trigger_properties = serializers.DictField(required=False, default=dict, validators=[_small_json])
    max_steps = serializers.IntegerField(min_value=1, max_value=simulation.MAX_STEPS, required=False, default=1000)
    send_to = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="", help_text="Send the emails here, as tests."
    )

    def validate(self, data):
        if "customer_id" in data and "profile" in data:
            raise serializers.ValidationError({"profile": "give a customer_id or a made-up profile, not both"})
        return data


def _request_from(data: dict) -> TestRunRequest:
    if "customer_id" in data:
        customer = test_run_profile_customer(data["customer_id"])
        if customer is None:
            raise serializers.ValidationError({"customer_id": f"no customer with id {data['customer_id']!r}"})
        profile = simulation.profile_from_customer(customer)
    else:
        fields = data.get("profile") or TestRunProfileSerializer(data={}).run_validation({})
        profile = simulation.profile_made_up(**fields)
    return TestRunRequest(
        version=data["version"],
        profile=profile,
        events=[simulation.InjectedEvent(e["event"], e["offset_seconds"], e["properties"]) for e in data["events"]],
        horizon_seconds=data["horizon_seconds"],
        trigger_id=data.get("trigger"),
        trigger_properties=data["trigger_properties"],
        max_steps=data["max_steps"],
        send_to=data["send_to"],
    )


class TestRunAccess(JourneyAccess):
    """Everyone with a role may simulate; only Marketers and Admins may send (checked in the view)."""

    def has_permission(self, request, view):
        return can_read_journeys(request.user)


@extend_schema(request=TestRunSerializer, responses={200: dict, 400: dict, 403: dict, 429: dict})
@api_view(["POST"])
@permission_classes([TestRunAccess])
def test_runs(request, journey_id: int):
    """Run a test profile through the draft or the live version on a simulated clock; nothing is stored."""
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    body = TestRunSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    if body.validated_data["send_to"] and not can_edit_journeys(request.user):
        return Response(
            {"detail": "Reviewers may run tests but not send them: leave the test address empty."},
            status=status.HTTP_403_FORBIDDEN,
        )
    try:
        result = journey_test_run(journey=journey, request=_request_from(body.validated_data), user=request.user)
    except TestRunError as error:
        return Response({"detail": str(error), "issues": error.issues}, status=error.status)
    return Response(result)
