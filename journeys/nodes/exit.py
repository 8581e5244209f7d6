from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome


class Config(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, style={"widget": "textarea"}
    )


@register
class Exit(NodeType):
    kind = "exit"
    label = "Exit"
    category = "end"
    description = "The customer leaves the journey here, with the reason recorded."
    ports = ()
    Config = Config

    def describe(self, config: dict) -> str:
        return f"Exit: {config['reason']}" if config.get("reason") else "Exit"

    def run(self, ctx: NodeContext) -> Outcome:
        return Outcome.leave(ctx.config.get("reason") or "reached an exit")
