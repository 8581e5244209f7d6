from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from journeys.api.node_types import FIELD_TYPE_NAMES
from journeys.graph import MAX_NODES, shape_errors
from journeys.journey_settings import clean_settings
from journeys.models import Enrollment, Journey, JourneyVersion, Step

MAX_GRAPH_NODES = MAX_NODES


class GraphField(serializers.JSONField):
    """A graph in React Flow's shape, readable as one (shape_errors); the full rules are checked by validate/publish."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if problems := shape_errors(data):
            raise serializers.ValidationError(problems[0].message)
        return data


class ValidationIssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    edge_id = serializers.CharField(allow_null=True)


class ValidationResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    errors = ValidationIssueSerializer(many=True)
    warnings = ValidationIssueSerializer(many=True)


class JourneySerializer(serializers.ModelSerializer):
    graph = GraphField(required=False)
    settings = serializers.JSONField(required=False)
    # A method field, because a dotted source with a default is left out of PATCH answers.
    current_version = serializers.SerializerMethodField(
        help_text="The published version new customers enter; null until the first publish."
    )

    class Meta:
        model = Journey
        fields = [
            "id",
            "name",
            "description",
            "status",
            "graph",
            "settings",
            "current_version",
            "entered_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "entered_count", "created_at", "updated_at"]

    def get_current_version(self, journey) -> int | None:
        return journey.current_version.number if journey.current_version_id else None

    def validate_settings(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("settings must be an object")
        # Out-of-range settings are refused when saved, naming the field, not only at publish.
        _, errors = clean_settings(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class PublishedJourneySerializer(JourneySerializer):
    """The journey after a publish, with how many customers the publish moved or let go."""

    moved = serializers.IntegerField(read_only=True, help_text="Customers moved to the new version.")
    removed = serializers.IntegerField(read_only=True, help_text="Customers whose node is gone; they exited.")

    class Meta(JourneySerializer.Meta):
        fields = [*JourneySerializer.Meta.fields, "moved", "removed"]


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    validation = ValidationResultSerializer(required=False)


class JourneyCountsSerializer(serializers.Serializer):
    entered = serializers.IntegerField(help_text="Customers who ever entered.")
    active = serializers.IntegerField(help_text="Customers inside now.")
    converted = serializers.IntegerField(help_text="Customers who reached the journey's goal.")


class JourneyListSerializer(JourneySerializer):
    """A journey in the list, with its totals; the view passes them in the `totals` context."""

    counts = serializers.SerializerMethodField()

    class Meta(JourneySerializer.Meta):
        fields = [*JourneySerializer.Meta.fields, "counts"]

    @extend_schema_field(JourneyCountsSerializer)
    def get_counts(self, journey) -> dict:
        return self.context["totals"][journey.pk]


class SuggestionsSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.CharField())


class TypedNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "number", "boolean", "object", "array"])


class TypedSuggestionsSerializer(serializers.Serializer):
    results = TypedNameSerializer(many=True)


class JourneyVersionSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = JourneyVersion
        fields = ["number", "graph", "settings", "published_by", "published_at"]


class NodeFieldSerializer(serializers.Serializer):
    """One config field of a node kind, as journeys.api.node_types.describe_field writes it."""

    name = serializers.CharField()
    type = serializers.ChoiceField(choices=FIELD_TYPE_NAMES)
    required = serializers.BooleanField()
    help = serializers.CharField(allow_blank=True)
    label = serializers.CharField()
    default = serializers.JSONField(required=False, help_text="Absent when the field has no fixed default.")
    widget = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    when = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        required=False,
        help_text="Shown only while each named sibling field holds one of the values.",
    )
    choices = serializers.ListField(child=serializers.JSONField(), required=False)
    # Nested fields repeat this shape; declared loosely because an OpenAPI component cannot
    # refer to itself through a DRF serializer.
    item = serializers.ListField(child=serializers.DictField(), required=False, help_text="A list's entry fields.")
    fields = serializers.ListField(child=serializers.DictField(), required=False, help_text="An object's fields.")
    min_value = serializers.FloatField(required=False)
    max_value = serializers.FloatField(required=False)
    min_length = serializers.IntegerField(required=False)
    max_length = serializers.IntegerField(required=False)


class NodeKindSerializer(serializers.Serializer):
    """One entry of GET /api/node-types/ (journeys.api.node_types.node_type_catalog)."""

    kind = serializers.CharField()
    label = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    ports = serializers.ListField(
        child=serializers.CharField(), help_text="Fixed output ports; kinds with dynamic_ports add theirs."
    )
    dynamic_ports = serializers.BooleanField()
    channel = serializers.CharField(
        required=False, allow_null=True, help_text="The message channel a sending kind uses; absent for the others."
    )
    port_field = serializers.CharField(
        allow_null=True, help_text="The list field whose entries' `key` name the ports (a split's variants)."
    )
    extra_ports = serializers.ListField(child=serializers.CharField(), help_text="Ports after the keyed ones.")
    ports_when = serializers.DictField(
        child=serializers.CharField(), help_text="Port -> the boolean field that must be on for it to exist."
    )
    waits = serializers.BooleanField()
    config = NodeFieldSerializer(many=True)


class PublishSerializer(serializers.Serializer):
    migrate = serializers.BooleanField(default=False, help_text="Move customers already inside to this version.")
    mapping = serializers.DictField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=dict,
        help_text="Old node id -> new node id, for nodes whose id changed.",
    )


class EnrollSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=255, help_text="The customer's userId (external id).")
    context = serializers.DictField(required=False, default=dict, help_text="Available to later nodes.")


class EnrollmentSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.external_id", read_only=True, default=None, allow_null=True)
    customer_pk = serializers.IntegerField(source="customer.pk", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "customer_id",
            "customer_pk",
            "version",
            "node_id",
            "status",
            "due_at",
            "waiting_for",
            "exit_reason",
            "entered_at",
            "exited_at",
            "converted_at",
        ]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["node_id", "port", "action", "reason", "at"]
