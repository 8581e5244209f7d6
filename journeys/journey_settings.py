"""Journey-wide settings: re-entry, entry cap, exit criteria and goal.

Every number has bounds: the engine turns them into dates and SQL parameters, and one value
out of range there (a gap of 10**15 seconds overflows a timedelta) would fail every event
pass that touches the journey. Errors name the field by its path (`re_entry.min_gap_seconds`,
`exit_criteria[2].filters[0].value`) so the caller can point at it.
"""

from rest_framework import serializers

from journeys.conditions import PropertyFilterSerializer

RE_ENTRY_MODES = ("never", "after_exit", "any_time")
# Ten years: longer than any journey runs, far inside what dates and intervals can hold.
MAX_RE_ENTRY_GAP_SECONDS = 10 * 365 * 24 * 3600
# The largest integer a browser's JSON keeps exactly (2**53 - 1): the canvas shows and edits it.
MAX_ENTRY_CAP = 9_007_199_254_740_991
MAX_GOAL_WINDOW_DAYS = 365
MAX_EXIT_CRITERIA = 20
MAX_FILTERS = 20


class ReEntrySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=RE_ENTRY_MODES,
        default="never",
        help_text="never: once per customer; after_exit: again once they left; any_time: even while inside.",
    )
    min_gap_seconds = serializers.IntegerField(
        min_value=0,
        max_value=MAX_RE_ENTRY_GAP_SECONDS,
        default=0,
        help_text="With any_time: the least time between two entries (at most ten years).",
    )


class EventCriterionSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=255)
    filters = PropertyFilterSerializer(many=True, required=False, default=list, max_length=MAX_FILTERS)


class GoalSerializer(EventCriterionSerializer):
    window_days = serializers.IntegerField(min_value=1, max_value=MAX_GOAL_WINDOW_DAYS, default=7)
    exit_on_conversion = serializers.BooleanField(default=False)


class JourneySettingsSerializer(serializers.Serializer):
    re_entry = ReEntrySerializer(required=False, default=dict)
    entry_cap = serializers.IntegerField(
        min_value=1, max_value=MAX_ENTRY_CAP, required=False, allow_null=True, default=None
    )
    exit_criteria = EventCriterionSerializer(many=True, required=False, default=list, max_length=MAX_EXIT_CRITERIA)
    goal = GoalSerializer(required=False, allow_null=True, default=None)


def clean_settings(raw) -> tuple[dict, dict]:
    """(validated settings with defaults filled, errors as {field path: first message})."""
    serializer = JourneySettingsSerializer(data=raw if isinstance(raw, dict) else {})
    if not serializer.is_valid():
        return {}, dict(_error_paths(serializer.errors))
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


def _error_paths(errors, path: str = ""):
    """DRF's nested errors as (path, message) pairs: fields add `.name`, items of a list `[index]`."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":
                yield from _error_paths(value, path)
            elif isinstance(key, int):  # many=True serializers key their items' errors by index
                yield from _error_paths(value, f"{path}[{key}]")
            else:
                yield from _error_paths(value, f"{path}.{key}" if path else str(key))
    elif isinstance(errors, list) and errors and all(isinstance(item, str) for item in errors):
        yield path or "settings", str(errors[0])  # a field's messages: the first says enough
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            if item:  # many=True lists hold an empty entry for each valid item
                yield from _error_paths(item, f"{path}[{index}]")
