"""The open anomaly alerts of a journey's nodes, for the marks on the canvas."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from journeys.api.permissions import JourneyAccess
from journeys.models import Alert, Journey


class NodeAlertSerializer(serializers.ModelSerializer):
    node_id = serializers.CharField(read_only=True)
    metric = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "node_id", "metric", "direction", "state", "window_start", "window_end", "observed", "expected"]

    def get_metric(self, alert: Alert) -> str:
        return alert.series_key.rsplit(":", 1)[-1]


@extend_schema(responses=NodeAlertSerializer(many=True))
@api_view(["GET"])
@permission_classes([JourneyAccess])
def journey_alerts_api(request, journey_id: int):
    """Alerts on this journey's nodes that nobody has dealt with yet (open), newest first."""
    journey = get_object_or_404(Journey, pk=journey_id)
    alerts = Alert.objects.filter(journey=journey, state=Alert.State.OPEN).order_by("-window_end")[:100]
    return Response(NodeAlertSerializer(alerts, many=True).data)
