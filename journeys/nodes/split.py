import hashlib

from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import AssignVariant, NodeContext, NodeType, Outcome


class Variant(serializers.Serializer):
    key = serializers.RegexField(r"^[A-Za-z0-9_-]{1,64}$", help_text="The port name, e.g. A, B or control.")
    weight = serializers.FloatField(min_value=0, max_value=100)
    control = serializers.BooleanField(default=False)


class Config(serializers.Serializer):
    variants = Variant(many=True, min_length=2, max_length=20)
    winner = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate_variants(self, variants):
        keys = [v["key"] for v in variants]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError("variant keys must be unique")
        if sum(v["control"] for v in variants) > 1:
            raise serializers.ValidationError("at most one variant may be the control")
        return variants


def bucket(journey_id: int, node_id: str, customer_id: int) -> float:
    """A number in [0, 100) fixed for this customer at this node: the same on re-entry and re-runs."""
    digest = hashlib.sha256(f"{journey_id}:{node_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def choose_variant(variants: list[dict], point: float) -> str:
    total = sum(v["weight"] for v in variants) or 1
    cumulative = 0.0
    for variant in variants:
        cumulative += variant["weight"] * 100 / total
        if point < cumulative:
            return variant["key"]
    return variants[-1]["key"]


@register
class Split(NodeType):
    kind = "split"
    label = "A/B split"
    category = "flow"
    description = "Sends each customer down one variant at random by weight; the same customer always gets the same."
    ports = ()  # no fixed port: each variant is one, named by its key
    port_field = "variants"
    routed_by_experiment = True
    Config = Config

    def required_output_ports(self, config: dict) -> list[str]:
        return self.output_ports(config)  # every variant must lead somewhere

    def describe(self, config: dict) -> str:
        variants = config["variants"]
        total = sum(variant["weight"] for variant in variants) or 1
        shares = " / ".join(f"{round(variant['weight'] * 100 / total)}% {variant['key']}" for variant in variants)
        winner = config.get("winner")
        return f"Split: {winner} won" if winner else f"Split {shares}"

    def run(self, ctx: NodeContext) -> Outcome:
        keys = {v["key"] for v in ctx.config["variants"]}
        # A winner or bandit weights set on the experiment page override the published graph (the
        # engine loads them, see journeys/experiments/routing.py); an override naming arms this
        # version lacks is ignored.
        override = ctx.experiment_override
        winner = ctx.config.get("winner") or (override.winner if override else "")
        if winner in keys:
            return Outcome.go(winner, f"winner {winner} declared", intents=[AssignVariant(winner)])
        earlier = (ctx.context.get("variants") or {}).get(ctx.node_id)
        if earlier in keys:
            # A revisit in the same enrollment keeps its arm even if bandit weights moved since.
            return Outcome.go(earlier, f"kept variant {earlier}", intents=[AssignVariant(earlier)])
        variants = ctx.config["variants"]
        how = "assigned"
        if override and override.weights and set(override.weights) == keys:
            variants = [{"key": v["key"], "weight": override.weights[v["key"]]} for v in variants]
            how = "bandit assigned"
        point = bucket(ctx.journey_id, ctx.node_id, ctx.customer.id)
        variant = choose_variant(variants, point)
        return Outcome.go(variant, f"{how} variant {variant}", intents=[AssignVariant(variant)])

    def extra_checks(self, config: dict, graph_node_ids: set[str]) -> list[tuple[str, str]]:
        errors = []
        total = sum(v["weight"] for v in config["variants"])
        if abs(total - 100) > 1e-6:
            errors.append(("variants", f"weights add up to {total:g}, not 100"))
        if config.get("winner") and config["winner"] not in {v["key"] for v in config["variants"]}:
            errors.append(("winner", f"{config['winner']!r} is not one of the variants"))
        return errors
