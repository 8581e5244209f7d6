"""The predictions API the canvas's condition builder uses: the predictions to pick from, audience estimates."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from journeys.conditions import ConditionSerializer
from journeys.predictions import selectors
from journeys.roles import can_read_journeys


class AnyRole(BasePermission):
    """Every role reads predictions and asks for estimates; neither changes anything."""

    message = "Predictions are for Marketers, Reviewers and Admins."

    def has_permission(self, request, view):
        return can_read_journeys(request.user)


class PredictionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    target = serializers.CharField()
    trained = serializers.BooleanField()
    auc = serializers.FloatField(allow_null=True)


@extend_schema_field(OpenApiTypes.OBJECT)
class _Condition(ConditionSerializer):
    """A condition tree (journeys.conditions), declared to the schema as a JSON object."""


class EstimateRequestSerializer(serializers.Serializer):
    condition = _Condition()


@extend_schema(responses=PredictionSummarySerializer(many=True))
@api_view(["GET"])
@permission_classes([AnyRole])
def prediction_list(request):
    rows = [
        {
            "id": row["prediction"].pk,
            "name": row["prediction"].name,
            "target": row["target"],
            "trained": row["trained_at"] is not None,
            "auc": row["auc"],
        }
        for row in selectors.prediction_rows()
    ]
    return Response(PredictionSummarySerializer(rows, many=True).data)


@extend_schema(
    request=EstimateRequestSerializer,
    responses=inline_serializer(
        "AudienceEstimate", {"count": serializers.IntegerField(), "words": serializers.CharField()}
    ),
)
@api_view(["POST"])
@permission_classes([AnyRole])
def audience_estimate(request):
    """How many customers a condition selects right now (the SQL an audience entry runs)."""
    serializer = EstimateRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    condition = serializer.validated_data["condition"]
    return Response({"count": selectors.audience_estimate(condition), "words": selectors.condition_words(condition)})
