"""The predictions API the canvas's condition builder uses: the predictions to pick from.

Audience estimates, predictions included, come from `/api/audience-estimate/` (journeys.estimates)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

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
