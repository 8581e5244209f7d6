"""The JSON API for journeys: thin views over journeys.services and journeys.selectors."""

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from journeys import selectors, services
from journeys.api.node_types import node_type_catalog
from journeys.api.permissions import JourneyAccess
from journeys.api.serializers import (
    ConflictSerializer,
    EnrollmentSerializer,
    EnrollSerializer,
    JourneyListSerializer,
    JourneySerializer,
    JourneyVersionSerializer,
    NodeKindSerializer,
    PublishedJourneySerializer,
    PublishSerializer,
    StepSerializer,
    SuggestionsSerializer,
    TypedSuggestionsSerializer,
    ValidationResultSerializer,
)
from journeys.input import utc_moment
from journeys.models import Customer, Journey


def _conflict(error: services.JourneyError) -> Response:
    body = {"detail": str(error)}
    if error.validation is not None:
        body["validation"] = error.validation.as_dict()
    return Response(body, status=status.HTTP_409_CONFLICT)


class JourneyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Journeys: the draft graph and settings, lifecycle actions, versions, customers inside."""

    serializer_class = JourneySerializer
    permission_classes = [JourneyAccess]
    queryset = Journey.objects.select_related("current_version")

    def get_queryset(self):
        if self.action != "list":
            # `status` also filters the enrollments action (by enrollment status), so it must not
            # filter the journey that get_object() looks up there.
            return super().get_queryset()
        status_filter = self.request.query_params.get("status") or None
        if status_filter is not None and status_filter not in Journey.Status.values:
            raise ValidationError({"status": f"one of {', '.join(Journey.Status.values)}"})
        return selectors.journeys_list(status=status_filter, search=self.request.query_params.get("search"))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, description=f"Only journeys in this status: {', '.join(Journey.Status.values)}."
            ),
            OpenApiParameter("search", str, description="Part of the name, any case (at most 100 characters)."),
        ],
        responses=JourneyListSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        totals = selectors.journey_totals(page)
        return self.get_paginated_response(JourneyListSerializer(page, many=True, context={"totals": totals}).data)

    @extend_schema(request=None, responses={201: JourneySerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """A new draft with this journey's draft graph and settings, and none of its history."""
        copy = services.journey_duplicate(journey=self.get_object(), user=request.user)
        return Response(JourneySerializer(copy).data, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        serializer.instance = services.journey_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        try:
            serializer.instance = services.journey_update(journey=serializer.instance, **serializer.validated_data)
        except services.JourneyError as error:
            raise ValidationError({"detail": str(error)}) from None

    @extend_schema(request=None, responses=ValidationResultSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        journey = self.get_object()
        result = services.journey_validate(graph=journey.graph, settings=journey.settings)
        return Response(result.as_dict())

    @extend_schema(request=PublishSerializer, responses={200: PublishedJourneySerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        journey = self.get_object()
        options = PublishSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            result = services.journey_publish(journey=journey, user=request.user, **options.validated_data)
        except services.JourneyError as error:
            return _conflict(error)
        journey.refresh_from_db()
        return Response(
            {**JourneySerializer(journey).data, "moved": result.moved, "removed": result.removed},
            status=status.HTTP_200_OK,
        )

    def _transition(self, request, name):
        try:
            journey = services.journey_transition(journey=self.get_object(), action=name)
        except services.JourneyError as error:
            return _conflict(error)
        return Response(JourneySerializer(journey).data)

    @extend_schema(request=None, responses=JourneySerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._transition(request, "pause")

    @extend_schema(request=None, responses=JourneySerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._transition(request, "resume")

    @extend_schema(request=None, responses=JourneySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, "close")

    @extend_schema(request=None, responses=JourneySerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        return self._transition(request, "stop")

    @extend_schema(request=None, responses=JourneySerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._transition(request, "archive")

    # Not paged: a version is made by a person pressing Publish, and the editor lists them all.
    @extend_schema(responses=JourneyVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        versions = self.get_object().versions.select_related("published_by").order_by("-number")
        return Response(JourneyVersionSerializer(versions, many=True).data)

    @extend_schema(responses=JourneyVersionSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version(self, request, pk=None, number=None):
        version = get_object_or_404(self.get_object().versions, number=number)
        return Response(JourneyVersionSerializer(version).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        return Response(services.journey_export(journey=self.get_object()))

    @extend_schema(request=dict, responses=JourneySerializer)
    @action(detail=False, methods=["post"], url_path="import")
    def import_journey(self, request):
        try:
            journey = services.journey_import(data=request.data, user=request.user)
        except services.JourneyError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(JourneySerializer(journey).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("node", str, description="Only customers at this node."),
            OpenApiParameter("status", str, description="active, exited or errored."),
        ],
        responses=EnrollmentSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def enrollments(self, request, pk=None):
        journey = self.get_object()
        queryset = selectors.enrollments_at(
            journey.pk, node_id=request.query_params.get("node"), status=request.query_params.get("status")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(EnrollmentSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("since", str, description="ISO date-time; flow counters from then on.")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def counters(self, request, pk=None):
        journey = self.get_object()
        since = None
        if raw := request.query_params.get("since"):
            try:
                since = parse_datetime(raw)
            except ValueError:  # well formed but impossible, such as February 30
                since = None
            # Counters are kept per UTC hour; truncating 21:20+05:30 to 21:00+05:30 would skip
            # the 15:00 UTC hour it falls in.
            since = utc_moment(since)
            if since is None:
                raise ValidationError({"since": "an ISO-8601 date-time"})
        return Response({"journey": journey.pk, "nodes": selectors.node_counters(journey.pk, since=since)})

    @extend_schema(request=EnrollSerializer, responses={201: dict, 409: dict})
    @action(detail=True, methods=["post"])
    def enroll(self, request, pk=None):
        journey = get_object_or_404(Journey, pk=pk)
        body = EnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            enrollment_id = services.enrollment_create_from_api(
                journey=journey, external_id=body.validated_data["customer_id"], context=body.validated_data["context"]
            )
        except services.JourneyError as error:
            return _conflict(error)
        if enrollment_id is None:
            return Response(
                {"detail": "the journey's entry rules kept this customer out (already inside, re-entry or cap)"},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"enrollment": enrollment_id}, status=status.HTTP_201_CREATED)


@extend_schema(responses=NodeKindSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def node_types(request):
    """Every node kind with its category, ports and config fields, for the canvas palette and inspector."""
    return Response(node_type_catalog())


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([JourneyAccess])
def customer_history(request, external_id: str):
    """A customer's journeys, each with every step and the reason it was taken."""
    customer = get_object_or_404(Customer, external_id=external_id)
    history = selectors.customer_journey_history(customer.pk)
    return Response(
        {
            "customer": customer.external_id,
            "journeys": [
                {
                    "journey": item["enrollment"].journey.name,
                    "journey_id": item["enrollment"].journey_id,
                    **EnrollmentSerializer(item["enrollment"]).data,
                    "steps": StepSerializer(item["steps"], many=True).data,
                }
                for item in history
            ],
        }
    )


SUGGEST_PARAMETERS = [OpenApiParameter("q", str, description="Prefix, any case (at most 255 characters).")]


@extend_schema(parameters=SUGGEST_PARAMETERS, responses=SuggestionsSerializer)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def event_names(request):
    """Track event names seen in the data that start with `q`, alphabetically, at most 50."""
    return Response({"results": selectors.event_names(prefix=request.query_params.get("q", ""))})


@extend_schema(parameters=SUGGEST_PARAMETERS, responses=TypedSuggestionsSerializer)
@api_view(["GET"])
@permission_classes([JourneyAccess])
def attributes(request):
    """Customer attribute keys that start with `q`, each with the JSON type most often seen, at most 50."""
    return Response({"results": selectors.attribute_keys(prefix=request.query_params.get("q", ""))})
