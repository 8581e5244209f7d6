from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome


class Config(serializers.Serializer):
    target = serializers.CharField(max_length=64, help_text="The id of the node to continue at.")


@register
class Jump(NodeType):
    kind = "jump"
    label = "Jump"
    category = "flow"
    description = "Continues at another node of the journey. A loop must pass a wait."
    ports = ()
    jump_target_field = "target"  # the validator checks it and follows it like an edge
    Config = Config

    def describe(self, config: dict) -> str:
        return f"Jump to {config['target']}"

    def run(self, ctx: NodeContext) -> Outcome:
        return Outcome.jump(ctx.config["target"], f"jumped to {ctx.config['target']}")
