"""The report figures as JSON under /api/, for reviewers' own tools: the same selectors as the pages."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from journeys.api.permissions import JourneyAccess
from journeys.experiments import services
from journeys.experiments.selectors import experiment_report, live_weights, split_nodes
from journeys.models import Experiment, Journey
from journeys.reports.selectors import journey_report
from journeys.reports.views import date_range, experiment_or_404
from journeys.roles import can_declare_winners

RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (UTC) of the range, inclusive."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (UTC) of the range, inclusive."),
]


class CanDecide(BasePermission):
    message = "Only Reviewers and Admins declare winners or stop experiments."

    def has_permission(self, request, view):
        return can_declare_winners(request.user)


class DecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["winner", "stop"])
    variant = serializers.CharField(max_length=64)
    note = serializers.CharField(max_length=services.MAX_NOTE_CHARS, required=False, allow_blank=True, default="")


def _range(request):
    _, _, start, end, errors = date_range(request.query_params)
    if errors:
        raise ValidationError({"range": errors})
    return start, end


@extend_schema(
    operation_id="journeys_report_retrieve",
    parameters=RANGE,
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="Funnel, conversion over time, time per node,"
            " exits by reason, deliveries by channel and status, flows between nodes.",
        )
    },
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def journey_report_api(request, journey_id: int):
    """The journey report's figures, from the hourly counters (a range covers whole UTC hours)."""
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    start, end = _range(request)
    return Response(journey_report(journey, start=start, end=end))


@extend_schema(
    operation_id="journeys_experiments_list",
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The journey's split nodes.")},
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def experiments_api(request, journey_id: int):
    """The journey's experiments: one per split node, with its status."""
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    existing = {e.node_id: e for e in journey.experiments.all()}
    return Response(
        {"journey": journey.pk, "experiments": [_summary(journey, node, existing) for node in split_nodes(journey)]}
    )


def _summary(journey: Journey, node: dict, existing: dict[str, Experiment]) -> dict:
    """What the canvas's badge on a split node shows: state, winner, live weights and the report's address."""
    experiment = existing.get(node["id"])
    return {
        "node_id": node["id"],
        "label": node["label"],
        "status": experiment.status if experiment else Experiment.Status.RUNNING,
        "winner": experiment.winner if experiment else "",
        "bandit": bool(experiment and experiment.bandit),
        "weights": live_weights(experiment, node["config"].get("variants") or []),
        "report_url": reverse("reports:experiment", args=[journey.pk, node["id"]]),
    }


@extend_schema(
    operation_id="journeys_experiment_retrieve",
    parameters=RANGE,
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="Per variant: exposed, conversions, rate with Wilson interval, difference with Newcombe"
            " interval, relative lift with Katz interval, pooled z-test p-value, Holm-adjusted p-value (more than one"
            " variant), chance to beat control; health checks; secondary and guardrail metrics; daily series;"
            " decisions and bandit reallocations. Every figure names its method.",
        )
    },
)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def experiment_api(request, journey_id: int, node_id: str):
    """An experiment's figures, as of a date range."""
    experiment = experiment_or_404(journey_id, node_id)
    start, end = _range(request)
    return Response(experiment_report(experiment, start=start, end=end))


@extend_schema(
    operation_id="journeys_experiment_decisions_create",
    request=DecisionSerializer,
    responses={201: OpenApiResponse(OpenApiTypes.OBJECT), 409: OpenApiResponse(OpenApiTypes.OBJECT)},
)
@api_view(["POST"])
@permission_classes([CanDecide])
def experiment_decide_api(request, journey_id: int, node_id: str):
    """Declare a winner or stop the experiment: every customer reaching the node from now on takes `variant`."""
    experiment = experiment_or_404(journey_id, node_id)
    body = DecisionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        decision = services.experiment_decide(experiment=experiment, user=request.user, **body.validated_data)
    except services.ExperimentError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    return Response(
        {
            "kind": decision.kind,
            "variant": decision.variant,
            "decided_by": request.user.get_username(),
            "decided_at": decision.decided_at,
            "figures": decision.figures,
        },
        status=status.HTTP_201_CREATED,
    )
