from datetime import timedelta

from rest_framework import serializers

from journeys.conditions import PropertyFilterSerializer, describe_filters
from journeys.nodes import register
from journeys.nodes.base import EventWait, NodeContext, NodeType, Outcome, describe_duration, short_duration

MAX_TIMEOUT = timedelta(days=365)


class Config(serializers.Serializer):
    event = serializers.CharField(
        max_length=255, help_text="The event that ends the wait, e.g. Order Completed.", style={"widget": "event_name"}
    )
    filters = PropertyFilterSerializer(many=True, required=False, default=list)
    timeout_seconds = serializers.IntegerField(
        min_value=1,
        max_value=int(MAX_TIMEOUT.total_seconds()),
        help_text="How long to wait before giving up.",
        style={"widget": "duration"},
    )


@register
class WaitForEvent(NodeType):
    kind = "wait_for_event"
    label = "Wait for event"
    category = "flow"
    description = "Waits until the customer does an event (port matched) or the timeout passes (port timeout)."
    ports = ("matched", "timeout")
    required_ports = ("matched", "timeout")
    waits = True
    Config = Config

    def describe(self, config: dict) -> str:
        filters = describe_filters(config.get("filters", []))
        return f"Wait up to {short_duration(config['timeout_seconds'])} for {config['event']}{filters}"

    def run(self, ctx: NodeContext) -> Outcome:
        config = ctx.config
        timeout = config["timeout_seconds"]
        event = EventWait(event=config["event"], filters=tuple(config.get("filters", [])), port="matched")
        return Outcome.wait(
            until=ctx.now + timedelta(seconds=timeout),
            port="timeout",
            event=event,
            reason=f"waiting up to {describe_duration(timeout)} for {config['event']}"
            f"{describe_filters(config.get('filters', []))}",
        )
