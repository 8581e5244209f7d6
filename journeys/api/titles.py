"""Node titles: what each step of a graph does, in the words its kind chooses (see NodeType.describe).

A POST of the nodes as the canvas holds them, unsaved edits included, so a title follows the
inspector while the marketer types; the answer depends on nothing but the nodes sent (and the
names of saved templates), so anyone who may read journeys may ask.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from journeys import nodes
from journeys.api.serializers import MAX_GRAPH_NODES
from journeys.conditions import PREDICTION_NAMES
from journeys.models import Prediction
from journeys.roles import can_read_journeys


class CanReadJourneys(BasePermission):
    """Any role that reads journeys: describing nodes changes nothing, though it is a POST."""

    message = "Your role does not allow reading journeys."

    def has_permission(self, request, view):
        return can_read_journeys(request.user)


class TitledNodeSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    kind = serializers.CharField(max_length=64)
    config = serializers.JSONField(required=False, default=dict)


class NodeTitlesRequestSerializer(serializers.Serializer):
    nodes = TitledNodeSerializer(many=True, max_length=MAX_GRAPH_NODES)


class NodeTitlesSerializer(serializers.Serializer):
    titles = serializers.DictField(
        child=serializers.CharField(), help_text="Each node id with its title; unknown kinds are left out."
    )


@extend_schema(request=NodeTitlesRequestSerializer, responses=NodeTitlesSerializer)
@api_view(["POST"])
@permission_classes([CanReadJourneys])
def node_titles(request):
    """The canvas title of each node sent: what it does, read from its config."""
    body = NodeTitlesRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    titles = {}
    # A condition on a score reads "If likelihood to order ≥ 0.7", not "If prediction #1 ≥ 0.7".
    names = PREDICTION_NAMES.set(dict(Prediction.objects.values_list("id", "name")))
    try:
        for node in body.validated_data["nodes"]:
            node_type = nodes.get(node["kind"])
            if node_type is not None:
                titles[node["id"]] = node_type.title(node["config"])
    finally:
        PREDICTION_NAMES.reset(names)
    return Response({"titles": titles})
