from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rest_framework import serializers

from journeys.conditions import ConditionSerializer, describe_condition
from journeys.models.customers import timezone_names
from journeys.nodes import register
from journeys.nodes.base import AUDIENCE_MODES, AudienceEntry, NodeContext, TriggerNode

MODES = AUDIENCE_MODES
EVERY = ("day", "week")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Schedule(serializers.Serializer):
    every = serializers.ChoiceField(choices=EVERY)
    weekday = serializers.IntegerField(
        min_value=0,
        max_value=6,
        required=False,
        allow_null=True,
        help_text="For every week: 0 is Monday, 6 Sunday.",
        style={"when": {"every": "week"}},
    )
    time = serializers.RegexField(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]$", help_text="Local time of day, HH:MM (24-hour clock)."
    )
    timezone = serializers.CharField(max_length=64, default="UTC", help_text="An IANA name such as Europe/Paris.")

    def validate_timezone(self, value):
        if value not in timezone_names():
            raise serializers.ValidationError(f"{value!r} is not an IANA time zone name such as Europe/Paris")
        return value

    def validate(self, data):
        if data["every"] == "week" and data.get("weekday") is None:
            raise serializers.ValidationError({"weekday": "a weekly schedule needs a weekday (0 is Monday)"})
        return data


class Config(serializers.Serializer):
    condition = ConditionSerializer()
    mode = serializers.ChoiceField(
        choices=MODES,
        default="at_publish",
        help_text="at_publish: who matches when published; on_change: also whoever comes to match later; "
        "schedule: who matches at each scheduled time.",
    )
    schedule = Schedule(required=False, allow_null=True, style={"when": {"mode": "schedule"}})

    def validate(self, data):
        if data["mode"] == "schedule" and not data.get("schedule"):
            raise serializers.ValidationError({"schedule": "the schedule mode needs a schedule"})
        return data


@register
class AudienceTrigger(TriggerNode):
    kind = "audience_trigger"
    label = "Audience trigger"
    description = (
        "Enters the customers who match a condition: when the journey is published, also whenever "
        "someone comes to match, or on a daily or weekly schedule."
    )
    Config = Config

    def entry_reason(self, ctx: NodeContext) -> str:
        reason = f"in the audience: {describe_condition(ctx.config['condition'])}"
        return reason if len(reason) <= 300 else f"{reason[:299]}…"

    def audience(self, config: dict) -> AudienceEntry:
        return AudienceEntry(config["condition"], config.get("mode") or "at_publish")

    def next_run_at(self, config: dict, after: datetime) -> datetime | None:
        """When a scheduled audience next runs strictly after `after` (aware, in UTC); None unless scheduled.

        The time is local wall-clock time in the schedule's zone, so it stays at 09:00 across a
        DST change. A time skipped by a spring-forward gap runs at the same distance after the
        gap's start (02:30 becomes 03:30); a time repeated at fall-back runs once, the first time.
        """
        if config.get("mode") != "schedule" or not config.get("schedule"):
            return None
        if after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        schedule = config["schedule"]
        zone = ZoneInfo(schedule.get("timezone") or "UTC")
        hour, minute = (int(part) for part in schedule["time"].split(":"))
        day = after.astimezone(zone).date()
        # A week holds every weekday once; the eighth day covers "today, but already past".
        for offset in range(8):
            candidate_day = day + timedelta(days=offset)
            if schedule["every"] == "week" and candidate_day.weekday() != schedule["weekday"]:
                continue
            # fold=0 picks the first of a repeated time, and the pre-gap offset for a skipped one.
            candidate = datetime.combine(candidate_day, time(hour, minute), tzinfo=zone).astimezone(UTC)
            if candidate > after:
                return candidate
        raise AssertionError("a daily or weekly time always occurs within eight days")

    def describe(self, config: dict) -> str:
        who = describe_condition(config["condition"])
        mode = config.get("mode") or "at_publish"
        if mode == "schedule":
            return f"{self.describe_schedule(config).capitalize()}: {who}"
        return f"{'Whoever comes to match' if mode == 'on_change' else 'At publish'}: {who}"

    def describe_schedule(self, config: dict) -> str:
        """E.g. "every Monday at 09:00 Europe/Paris"."""
        schedule = config.get("schedule") or {}
        when = "every day" if schedule.get("every") == "day" else f"every {WEEKDAYS[schedule.get('weekday') or 0]}"
        return f"{when} at {schedule.get('time')} {schedule.get('timezone') or 'UTC'}"
