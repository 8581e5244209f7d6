from rest_framework import serializers

from journeys.nodes import register
from journeys.nodes.base import NodeContext, TriggerNode


class Config(serializers.Serializer):
    pass


@register
class ApiTrigger(TriggerNode):
    kind = "api_trigger"
    label = "API trigger"
    description = "Enters a customer when your system calls POST /api/journeys/<id>/enroll; its payload is kept."
    Config = Config
    enters_through_api = True

    def describe(self, config: dict) -> str:
        return "When your system calls the API"

    def entry_reason(self, ctx: NodeContext) -> str:
        return "entered through the API"
