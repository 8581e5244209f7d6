"""The node-type catalog the canvas draws its palette and inspector forms from."""

from rest_framework import serializers

from journeys import nodes
from journeys.conditions import ConditionSerializer

# Hints a field may give the inspector through DRF's `style={"widget": ...}`, beyond its type.
WIDGETS = ("textarea", "html", "event_name", "attribute", "duration", "template")

_FIELD_TYPES = [
    (ConditionSerializer, "condition"),
    (serializers.BooleanField, "boolean"),
    (serializers.IntegerField, "integer"),
    (serializers.FloatField, "number"),
    (serializers.URLField, "url"),
    (serializers.RegexField, "string"),
    (serializers.ChoiceField, "choice"),
    (serializers.DateTimeField, "datetime"),
    (serializers.CharField, "string"),
    (serializers.DictField, "object"),
    (serializers.JSONField, "json"),
]
# Every `type` a described field can have: the above, and the nested list and object.
FIELD_TYPE_NAMES = sorted({kind for _, kind in _FIELD_TYPES} | {"list", "object"})


def describe_field(name: str, field: serializers.Field) -> dict:
    description = {
        "name": name,
        "required": bool(field.required),
        "help": str(field.help_text or ""),
        "label": str(field.label or name.replace("_", " ").capitalize()),
    }
    if field.default is not serializers.empty and not callable(field.default):
        description["default"] = field.default
    style = getattr(field, "style", None) or {}
    if style.get("widget") in WIDGETS:
        description["widget"] = style["widget"]
        if style["widget"] == "template" and style.get("channel"):
            description["channel"] = style["channel"]
    if isinstance(style.get("when"), dict):
        # Shown only while each named sibling field holds one of the values (a wait's mode).
        description["when"] = {
            name: list(values) if isinstance(values, list | tuple) else [values]
            for name, values in style["when"].items()
        }
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        description["type"] = "list"
        # Entries of a nested serializer list their fields; a list of plain values (a wait
        # window's weekdays) has one item field, named "value".
        description["item"] = describe_serializer(field.child)
        for limit in ("min_length", "max_length"):
            if getattr(field, limit, None) is not None:
                description[limit] = getattr(field, limit)
        return description
    if isinstance(field, serializers.Serializer):
        description["type"] = "object"
        description["fields"] = describe_serializer(field)
        return description
    description["type"] = next((kind for cls, kind in _FIELD_TYPES if isinstance(field, cls)), "json")
    if isinstance(field, serializers.ChoiceField):
        description["choices"] = list(field.choices)
    for limit in ("min_value", "max_value", "max_length"):
        if getattr(field, limit, None) is not None:
            description[limit] = getattr(field, limit)
    return description


def describe_serializer(serializer) -> list[dict]:
    if not isinstance(serializer, serializers.Serializer):
        return [describe_field("value", serializer)]
    return [describe_field(name, field) for name, field in serializer.fields.items()]


def dynamic_port_rule(node_type) -> tuple[str | None, list[str]]:
    """For a kind whose ports come from its config: the list field whose entries' `key` name the
    ports, and the fixed ports that follow them (a condition's `else`), as the kind declares them
    (`port_field`), so the canvas learns the rule without knowing any kind."""
    if node_type.port_field is None:
        return None, []
    return node_type.port_field, list(node_type.ports)


def switched_ports(node_type) -> dict[str, str]:
    """{port: boolean field} for ports a kind has only while that field is on (a webhook's
    `failed` port with `wait_for_outcome`). Found by asking the kind with the field off and on."""
    if type(node_type).output_ports is nodes.NodeType.output_ports:
        return {}
    switched = {}
    for name, field in node_type.Config().fields.items():
        if isinstance(field, serializers.BooleanField):
            without = set(node_type.output_ports({name: False}))
            for port in node_type.output_ports({name: True}):
                if port not in without:
                    switched[port] = name
    return switched


def node_type_catalog() -> list[dict]:
    return [_describe_kind(node_type) for node_type in nodes.all_types()]


def _describe_kind(node_type) -> dict:
    port_field, extra_ports = dynamic_port_rule(node_type)
    return {
        "kind": node_type.kind,
        "label": node_type.label,
        "category": node_type.category,
        "description": node_type.description,
        "ports": list(node_type.ports),
        "dynamic_ports": node_type.dynamic_ports,
        # Message kinds name their channel, so the canvas knows which nodes show message outcomes.
        **({"channel": node_type.channel} if getattr(node_type, "channel", "") else {}),
        "port_field": port_field,
        "extra_ports": extra_ports,
        "ports_when": switched_ports(node_type),
        "waits": node_type.waits,
        "config": describe_serializer(node_type.Config()),
    }
