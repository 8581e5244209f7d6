from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome, UpdateAttributes

OPERATIONS = ("set", "increment", "remove")


class Change(serializers.Serializer):
    attribute = serializers.CharField(max_length=100, style={"widget": "attribute"})
    operation = serializers.ChoiceField(choices=OPERATIONS, default="set")
    value = serializers.JSONField(required=False, allow_null=True)

    def validate(self, data):
        if data["operation"] == "increment" and (
            isinstance(data.get("value"), bool) or not isinstance(data.get("value"), int | float)
        ):
            raise serializers.ValidationError({"value": "increment needs a number"})
        if data["operation"] == "set" and "value" not in data:
            raise serializers.ValidationError({"value": "set needs a value"})
        return data


class Config(serializers.Serializer):
    changes = Change(many=True, allow_empty=False)


@register
class UpdateAttribute(NodeType):
    kind = "update_attribute"
    label = "Update attributes"
    category = "action"
    description = "Sets, increments or removes attributes on the customer's profile."
    Config = Config

    def describe(self, config: dict) -> str:
        parts = []
        for change in config["changes"]:
            name, value = change["attribute"], change.get("value")
            if change["operation"] == "increment":
                parts.append(f"add {value} to {name}")
            elif change["operation"] == "remove":
                parts.append(f"remove {name}")
            else:
                parts.append(f"{name} = {value!r}")
        text = ", ".join(parts)
        return f"Set {text}" if config["changes"][0]["operation"] == "set" else text.capitalize()

    def run(self, ctx: NodeContext) -> Outcome:
        to_set, to_increment, to_remove = {}, {}, []
        for change in ctx.config["changes"]:
            name, operation = change["attribute"], change["operation"]
            if operation == "set":
                to_set[name] = change["value"]
            elif operation == "increment":
                to_increment[name] = to_increment.get(name, 0) + change["value"]
            else:
                to_remove.append(name)
        update = UpdateAttributes(set=to_set, increment=to_increment, remove=tuple(to_remove))
        summary = ", ".join(f"{c['operation']} {c['attribute']}" for c in ctx.config["changes"])
        return Outcome.go("next", f"updated attributes: {summary}", intents=[update])
