"""Journey-wide settings: re-entry, entry cap, exit criteria and goal."""

from rest_framework import serializers

from journeys.conditions import PropertyFilterSerializer

RE_ENTRY_MODES = ("never", "after_exit", "any_time")


class ReEntrySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=RE_ENTRY_MODES,
        default="never",
        help_text="never: once per customer; after_exit: again once they left; any_time: even while inside.",
    )
    min_gap_seconds = serializers.IntegerField(
        min_value=0, default=0, help_text="With any_time: the least time between two entries."
    )


class EventCriterionSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=255)
    filters = PropertyFilterSerializer(many=True, required=False, default=list)


class GoalSerializer(EventCriterionSerializer):
    window_days = serializers.IntegerField(min_value=1, max_value=365, default=7)
    exit_on_conversion = serializers.BooleanField(default=False)


class JourneySettingsSerializer(serializers.Serializer):
    re_entry = ReEntrySerializer(required=False, default=dict)
    entry_cap = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    exit_criteria = EventCriterionSerializer(many=True, required=False, default=list, max_length=20)
    goal = GoalSerializer(required=False, allow_null=True, default=None)


def clean_settings(raw) -> tuple[dict, dict]:
    """(validated settings with defaults filled, field errors)."""
    serializer = JourneySettingsSerializer(data=raw if isinstance(raw, dict) else {})
    if not serializer.is_valid():
        return {}, serializer.errors
    data = serializer.validated_data
    if not data["re_entry"]:  # a default of {} skips the nested defaults
        data["re_entry"] = {"mode": "never", "min_gap_seconds": 0}
    return _plain(data), {}


def _plain(value):
    """Serializer output (OrderedDicts, ReturnDicts) as plain JSON-ready dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
