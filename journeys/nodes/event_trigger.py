from rest_framework import serializers

from journeys.conditions import PropertyFilterSerializer, describe_filters
from journeys.nodes import register
from journeys.nodes.base import EntryEvent, NodeContext, TriggerNode


class Config(serializers.Serializer):
    event = serializers.CharField(
        max_length=255,
        help_text="The event name that enters customers, e.g. Signed Up.",
        style={"widget": "event_name"},
    )
    filters = PropertyFilterSerializer(many=True, required=False, default=list)


@register
class EventTrigger(TriggerNode):
    kind = "event_trigger"
    label = "Event trigger"
    description = "Enters a customer when they do an event (optionally with matching properties)."
    Config = Config

    def entry_events(self, config: dict) -> list[EntryEvent]:
        return [EntryEvent(config["event"], config.get("filters") or [])]

    def describe(self, config: dict) -> str:
        return f"When {config['event']}{describe_filters(config.get('filters', []))}"

    def entry_reason(self, ctx: NodeContext) -> str:
        return f"did {ctx.config['event']}{describe_filters(ctx.config.get('filters', []))}"
