"""`/api/privacy-requests/`: Admins record export, delete and anonymise requests and follow them."""

from django.db import transaction
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from journeys.governance import audit
from journeys.models import PrivacyExport, PrivacyRequest
from journeys.privacy import services, tasks
from journeys.roles import can_handle_privacy_requests


class PrivacyAdmins(BasePermission):
    message = "Only Admins handle privacy requests."

    def has_permission(self, request, view):
        return can_handle_privacy_requests(request.user)


class PrivacyRequestSerializer(serializers.ModelSerializer):
    export_url = serializers.SerializerMethodField()

    class Meta:
        model = PrivacyRequest
        fields = ["id", "kind", "status", "note", "counts", "error", "created_at", "started_at", "finished_at"]
        fields += ["export_url"]
        read_only_fields = fields

    def get_export_url(self, request: PrivacyRequest) -> str | None:
        if request.kind != PrivacyRequest.Kind.EXPORT or request.status != PrivacyRequest.Status.DONE:
            return None
        return f"/api/privacy-requests/{request.pk}/export/"


class PrivacyRequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PrivacyRequest.Kind.choices)
    customer_id = serializers.CharField(max_length=255, help_text="The customer's external id (userId).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PrivacyRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Create a request (202, it runs in the background), list them, read one, download an export."""

    permission_classes = [PrivacyAdmins]
    serializer_class = PrivacyRequestSerializer
    queryset = PrivacyRequest.objects.all()

    @extend_schema(request=PrivacyRequestCreateSerializer, responses={202: PrivacyRequestSerializer})
    def create(self, request):
        data = PrivacyRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                created = services.privacy_request_create(
                    kind=data.validated_data["kind"],
                    external_id=data.validated_data["customer_id"],
                    requested_by=request.user,
                    note=data.validated_data["note"],
                )
                transaction.on_commit(lambda: tasks.privacy_request_enqueue(created.pk))
                audit.record("privacy.request", created, {"kind": created.kind, "note": created.note})
        except services.PrivacyError as error:
            return Response({"customer_id": [str(error)]}, status=status.HTTP_404_NOT_FOUND)
        return Response(PrivacyRequestSerializer(created).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        privacy_request = self.get_object()
        document = PrivacyExport.objects.filter(request=privacy_request).values_list("document", flat=True).first()
        if document is None:
            return Response({"detail": "no export document (not an export, not done yet, or expired)"}, status=404)
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="privacy-export-{privacy_request.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response
