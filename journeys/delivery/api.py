"""The templates API the canvas inspector uses: list by channel, edit, preview, send a test."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from journeys.api.permissions import JourneyAccess
from journeys.delivery import channels, previews, test_sends
from journeys.delivery.providers import PermanentFailure, TemporaryFailure
from journeys.delivery.rendering import RenderError, render_json, render_string, sandboxed
from journeys.models import Customer, Journey, JourneyVersion, MessageTemplate
from journeys.roles import can_read_journeys


def journeys_sending(template_id: int) -> list[dict]:
    """Journeys that can still send this template: a version of a live, paused or closed journey uses it.

    Published versions refer to templates by id, and customers may be on any of them.
    """
    versions = JourneyVersion.objects.filter(
        journey__status__in=["live", "paused", "closed"],
        graph__nodes__contains=[{"data": {"config": {"template": template_id}}}],
    )
    return list(
        Journey.objects.filter(pk__in=versions.values("journey_id")).order_by("name").values("id", "name", "status")
    )


class JourneyUsingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class MessageTemplateSerializer(serializers.ModelSerializer):
    html = serializers.CharField(required=False, allow_blank=True, max_length=200_000, style={"widget": "html"})
    text = serializers.CharField(required=False, allow_blank=True, max_length=100_000, style={"widget": "textarea"})
    body = serializers.CharField(required=False, allow_blank=True, max_length=5_000, style={"widget": "textarea"})
    sent_by = serializers.SerializerMethodField(
        help_text="Journeys that can still send it (a live, paused or closed journey's version uses it); "
        "given for one template, empty in lists."
    )

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "name",
            "channel",
            "description",
            "subject",
            "html",
            "text",
            "body",
            "webhook_body",
            "sent_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "sent_by", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The registry, not the model's choices, says which channels exist: a new channel's module is enough.
        self.fields["channel"] = serializers.ChoiceField(choices=[(c.name, c.label) for c in channels.all_channels()])

    @extend_schema_field(JourneyUsingSerializer(many=True))
    def get_sent_by(self, template) -> list[dict]:
        # One query per template: asked of one template (the editor), never of a list of them.
        return journeys_sending(template.pk) if self.context.get("with_usage") else []

    def validate_webhook_body(self, value):
        if not isinstance(value, dict | list):
            raise serializers.ValidationError("must be a JSON object or array")
        if len(str(value)) > 100_000:
            raise serializers.ValidationError("is larger than 100,000 characters")
        return value

    def validate(self, data):
        channel = data.get("channel", getattr(self.instance, "channel", None))
        if self.instance is not None and channel != self.instance.channel and self.instance.deliveries.exists():
            raise serializers.ValidationError({"channel": "a template that was sent cannot change channel"})
        merged = {**({} if self.instance is None else self._current()), **data}
        handler = channels.get(channel)
        errors = handler.template_errors(merged) if handler else {}
        if errors:
            raise serializers.ValidationError(errors)
        # Catch syntax errors and blocked tags now, not when the first customer reaches the node.
        context = {"customer": sandboxed({})}
        try:
            for name in ("subject", "text", "body"):
                render_string(merged.get(name) or "", context)
            render_string(merged.get("html") or "", context, html=True)
            render_json(merged.get("webhook_body") or {}, context)
        except RenderError as error:
            raise serializers.ValidationError({"detail": str(error)}) from None
        return data

    def _current(self) -> dict:
        return {name: getattr(self.instance, name) for name in ("subject", "html", "text", "body", "webhook_body")}


class PreviewSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)


class SendTestSerializer(PreviewSerializer):
    to = serializers.CharField(max_length=2000)


class PartsSerializer(serializers.Serializer):
    subject = serializers.CharField()
    html = serializers.CharField()
    text = serializers.CharField()
    body = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    json = serializers.JSONField(allow_null=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Variables the template reads that rendered empty in this preview."
    )


def _customer(external_id: str | None) -> Customer | None:
    if not external_id:
        return None
    customer = Customer.objects.filter(external_id=external_id).first()
    if customer is None:
        raise serializers.ValidationError({"customer_id": f"no customer with id {external_id!r}"})
    return customer


def _check_address(channel: str, to: str) -> None:
    try:
        channels.get(channel).check_address(to)
    except ValueError:
        raise serializers.ValidationError({"to": f"not a valid {channel} address"}) from None


class TemplateAccess(JourneyAccess):
    """As for journeys; a preview is a POST but only reads, so Reviewers may preview too."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "preview":
            return can_read_journeys(request.user)
        return super().has_permission(request, view)


class MessageTemplateViewSet(viewsets.ModelViewSet):
    """Message templates: Reviewers read; Marketers and Admins write, preview and send tests."""

    serializer_class = MessageTemplateSerializer
    permission_classes = [TemplateAccess]
    queryset = MessageTemplate.objects.all()

    def get_queryset(self):
        queryset = super().get_queryset()
        if channel := self.request.query_params.get("channel"):
            queryset = queryset.filter(channel=channel)
        if search := self.request.query_params.get("search"):
            queryset = queryset.filter(name__icontains=search[:100])
        return queryset

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_usage": self.action != "list"}

    def destroy(self, request, *args, **kwargs):
        template = self.get_object()
        # Published versions refer to templates by id; deleting one would break their sends.
        if journeys_sending(template.id):
            return Response(
                {"detail": "a live, paused or closed journey sends this template"}, status=status.HTTP_409_CONFLICT
            )
        return super().destroy(request, *args, **kwargs)

    @extend_schema(request=PreviewSerializer, responses=PartsSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        template = self.get_object()
        data = PreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = _customer(data.validated_data.get("customer_id"))
        try:
            return Response(previews.template_preview(template=template, customer=customer))
        except RenderError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(request=SendTestSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request, pk=None):
        template = self.get_object()
        data = SendTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = data.validated_data["to"].strip()
        customer = _customer(data.validated_data.get("customer_id"))
        if channels.get(template.channel).test_sends_to_customer:
            customer = customer or _customer(to)
        else:
            _check_address(template.channel, to)
        try:
            test_sends.check_budget(request.user)
        except test_sends.OverBudget as error:
            return Response({"detail": str(error)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        try:
            provider_id = previews.template_send_test(template=template, to=to, customer=customer)
        except (RenderError, PermanentFailure, ValueError) as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except TemporaryFailure as error:
            return Response({"detail": str(error)}, status=status.HTTP_502_BAD_GATEWAY)
        test_sends.record(test_sends.TEMPLATE_ACTION, template, user=request.user, to=to, customer=customer)
        return Response({"sent": True, "to": to, "provider_message_id": provider_id})
