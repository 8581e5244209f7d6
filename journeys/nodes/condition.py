from rest_framework import serializers

from journeys.conditions import ConditionSerializer, cap_reason, describe_condition, evaluate
from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome

ELSE = "else"
MAX_ELSE_REASON = 480  # a step's reason column holds 500 characters


class Branch(serializers.Serializer):
    key = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,64}$", help_text="The port name, e.g. pro-users: letters, digits, _ and -."
    )
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    condition = ConditionSerializer()


class Config(serializers.Serializer):
    branches = Branch(many=True, min_length=1, max_length=20)

    def validate_branches(self, branches):
        keys = [branch["key"] for branch in branches]
        if ELSE in keys:
            raise serializers.ValidationError(f"{ELSE!r} is the port for customers no branch matches")
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError("branch keys must be unique")
        return branches


@register
class Condition(NodeType):
    kind = "condition"
    label = "Condition"
    category = "flow"
    description = (
        "Sends each customer down the first branch whose condition they meet (attributes, event history, "
        "consent), or else."
    )
    ports = (ELSE,)  # the port every condition has, after one per branch
    port_field = "branches"
    Config = Config

    def required_output_ports(self, config: dict) -> list[str]:
        # A branch leading nowhere would quietly drop the customers it was made for; else may
        # end the journey, as "everyone else exits" is a common intent.
        return self.output_ports(config)[:-1]

    def describe(self, config: dict) -> str:
        branches = config["branches"]
        if len(branches) == 1:
            return f"If {describe_condition(branches[0]['condition'])}"
        names = ", ".join(branch.get("label") or branch["key"] for branch in branches)
        return f"{len(branches)} branches: {names}"

    def run(self, ctx: NodeContext) -> Outcome:
        misses = []
        for branch in ctx.config["branches"]:
            matched, reason = evaluate(branch["condition"], ctx.customer, ctx.event_count, ctx.now)
            if matched:
                return Outcome.go(branch["key"], f"{reason} matched branch {branch['key']}")
            misses.append(f"{branch['key']}: {reason}")
        # Why not, branch by branch: "else" alone would leave the path unexplained.
        return Outcome.go(ELSE, cap_reason(f"no branch matched ({'; '.join(misses)})", MAX_ELSE_REASON))
