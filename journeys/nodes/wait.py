"""Wait: hold the customer for a while, then leave through `next`.

Three modes, chosen by `mode` in the config:

- duration: a fixed delay, e.g. 3 days.
- until: a moment taken from a fixed date-time, a customer attribute or a property of the
  trigger event, shifted by `offset_seconds` (negative for "one day before the booking").
  A value may be an ISO-8601 string or a Unix timestamp in seconds. A string without an
  offset is read in the customer's timezone, so a date-only "2026-12-24" is midnight where
  the customer lives. A fixed `at` typed without an offset is taken as UTC.
- window: wait until the next moment inside an allowed weekly window ("weekdays 09:00-17:00")
  in a timezone, so messages arrive at a sensible hour wherever the customer is.
- best_time: wait, at most `window_hours`, until the local hour of the week at which this customer
  is most likely to engage: their posterior over the population's habit classes (evening, morning,
  ...) given their opens, clicks and sessions (journeys.send_time); before anything is learnt,
  until `fallback` o'clock.

A moment that has already passed lets the customer move on at once. A missing or unparseable
attribute or property also lets the customer move on through `next`, with a reason that says
why, instead of raising: one customer with a bad `booking_at` must not stall or error a whole
engine batch, and the step log shows the marketer what happened. A journey that needs to
treat such customers differently can check the value with a condition before the wait.
"""

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from rest_framework import serializers

from journeys.conditions import MISSING, lookup
from journeys.models.customers import timezone_names
from journeys.nodes import register
from journeys.nodes.base import NodeContext, NodeType, Outcome, describe_duration, short_duration
from journeys.send_time.profile import best_slot, describe_hour, posterior

MAX_DELAY = int(timedelta(days=365).total_seconds())
MODES = ("duration", "until", "window", "best_time")
SOURCES = ("fixed", "attribute", "trigger_property")
# Every weekday recurs within 7 days; the eighth covers a window that a DST gap removed
# from the one allowed day of a week (its next occurrence is 7 days on).
WINDOW_SEARCH_DAYS = 8
_MODE_FIELDS = {
    "duration": ("seconds",),
    "until": ("source", "offset_seconds"),  # plus the one field its source reads
    "window": ("days", "start", "end", "timezone"),
    "best_time": ("window_hours", "fallback"),
}
WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_BEST_TIME_WINDOW = 7 * 24
_SOURCE_FIELD = {"fixed": "at", "attribute": "attribute", "trigger_property": "property"}


def resolve_zone(*names: str) -> ZoneInfo:
    """The first of `names` that is a valid IANA zone, else UTC."""
    for name in names:
        if name and name in timezone_names():
            return ZoneInfo(name)
    return ZoneInfo("UTC")


def local_instant(naive: datetime, zone: tzinfo) -> datetime:
    """The instant a wall-clock time in `zone` happens, in UTC.

    An ambiguous time (the fall-back overlap) is its first occurrence. A time that does not
    exist (the spring-forward gap) becomes the first instant after the gap.
    """
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap, fold=0 applies the offset from before the transition and fold=1 the one after,
    # which places the transition strictly after the fold=1 reading and at or before the fold=0
    # one. Offsets change on whole seconds, so bisect to the second.
    before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = before, first
    offset_before = before.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    # The transition is the one whole second in (low, high].
    return high.replace(microsecond=0)


def parse_moment(value, zone: tzinfo) -> datetime | None:
    """An ISO-8601 string or Unix timestamp as an aware datetime; None when it is neither.

    Strings without an offset are read as wall-clock time in `zone` (a date alone is midnight).
    """
    if isinstance(value, bool):
        return None  # bool is an int subclass; True is not 1970-01-01T00:00:01
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    try:
        if parsed.tzinfo is None:
            return local_instant(parsed, zone)
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted past the calendar's edge
        return None


def _is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def parse_clock(text: str) -> tuple[int, int]:
    hours, minutes = text.split(":")
    return int(hours), int(minutes)


def window_on(day: date, start: str, end: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The [start, end) instants of the window on local date `day`; end "24:00" is the next midnight."""
    start_hours, start_minutes = parse_clock(start)
    end_hours, end_minutes = parse_clock(end)
    opens = local_instant(datetime.combine(day, time(start_hours, start_minutes)), zone)
    end_day = day + timedelta(days=end_hours // 24)
    closes = local_instant(datetime.combine(end_day, time(end_hours % 24, end_minutes)), zone)
    return opens, closes


def next_window(now: datetime, days, start: str, end: str, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """The window that contains `now` or opens soonest after it, or None within the search horizon.

    Windows are computed one local day at a time, so a 09:00 start stays 09:00 on the wall clock
    across DST changes even though the days around them are 23 or 25 hours long.
    """
    today = now.astimezone(zone).date()
    allowed = set(days)
    for ahead in range(WINDOW_SEARCH_DAYS + 1):
        day = today + timedelta(days=ahead)
        if day.weekday() not in allowed:
            continue
        opens, closes = window_on(day, start, end, zone)
        # A window that falls entirely inside a spring-forward gap does not happen that day.
        if opens < closes and now < closes:
            return opens, closes
    return None


def _in_zone(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def describe_offset(offset: int, subject: str) -> str:
    if offset == 0:
        return subject
    direction = "before" if offset < 0 else "after"
    return f"{describe_duration(abs(offset))} {direction} {subject}"


class Config(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=MODES,
        help_text="duration, until (a moment), window (allowed hours) or best_time (the customer's best hour).",
    )
    seconds = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DELAY,
        required=False,
        help_text="duration: how long to wait.",
        style={"widget": "duration", "when": {"mode": "duration"}},
    )
    source = serializers.ChoiceField(
        choices=SOURCES,
        required=False,
        help_text="until: where the moment comes from.",
        style={"when": {"mode": "until"}},
    )
    at = serializers.CharField(
        max_length=64,
        required=False,
        help_text="until, fixed: an ISO-8601 date-time, e.g. 2026-12-24T09:00:00+01:00 (UTC when no offset).",
        style={"when": {"mode": "until", "source": "fixed"}},
    )
    attribute = serializers.CharField(
        max_length=200,
        required=False,
        help_text="until, attribute: a customer attribute; dots reach inside objects.",
        style={"widget": "attribute", "when": {"mode": "until", "source": "attribute"}},
    )
    property = serializers.CharField(
        max_length=200,
        required=False,
        help_text="until, trigger_property: a property of the trigger event.",
        style={"when": {"mode": "until", "source": "trigger_property"}},
    )
    offset_seconds = serializers.IntegerField(
        min_value=-MAX_DELAY,
        max_value=MAX_DELAY,
        required=False,
        default=0,
        help_text="until: shift the moment, e.g. -86400 for one day before.",
        style={"widget": "duration", "when": {"mode": "until"}},
    )
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        help_text="window: allowed weekdays, Monday=0 ... Sunday=6.",
        style={"when": {"mode": "window"}},
    )
    start = serializers.RegexField(
        r"^([01]\d|2[0-3]):[0-5]\d$",
        required=False,
        error_messages={"invalid": "Use HH:MM, e.g. 09:00."},
        help_text="window: opening time, HH:MM.",
        style={"when": {"mode": "window"}},
    )
    end = serializers.RegexField(
        r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$",
        required=False,
        error_messages={"invalid": "Use HH:MM, e.g. 17:00 (24:00 for midnight)."},
        help_text="window: closing time, HH:MM, after the start (the window ends before it).",
        style={"when": {"mode": "window"}},
    )
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="window: an IANA timezone such as Europe/Paris; empty for the customer's own.",
        style={"when": {"mode": "window"}},
    )

    window_hours = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BEST_TIME_WINDOW,
        required=False,
        default=24,
        help_text="best_time: the longest wait, in hours; the best hour is sought within it.",
        style={"when": {"mode": "best_time"}},
    )
    fallback = serializers.RegexField(
        r"^([01]\d|2[0-3]):[0-5]\d$",
        required=False,
        default="10:00",
        error_messages={"invalid": "Use HH:MM, e.g. 10:00."},
        help_text="best_time: the local time to send at while nothing is learnt yet, HH:MM.",
        style={"when": {"mode": "best_time"}},
    )

    def validate_at(self, value):
        # Stored back as an ISO string with an explicit offset, so the config stays JSON and
        # means the same thing whoever reads it.
        if _is_date_only(value):
            raise serializers.ValidationError("Give a time as well as a date, e.g. 2026-12-24T09:00:00Z.")
        moment = parse_moment(value, UTC)
        if moment is None:
            raise serializers.ValidationError("Not an ISO-8601 date-time, e.g. 2026-12-24T09:00:00Z.")
        return moment.isoformat()

    def validate_days(self, value):
        if not value:
            raise serializers.ValidationError("Choose at least one day.")
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each day may appear only once.")
        return sorted(value)

    def validate_timezone(self, value):
        if value and value not in timezone_names():
            raise serializers.ValidationError(f"{value!r} is not an IANA timezone such as Europe/Paris.")
        return value

    def validate(self, data):
        mode = data["mode"]
        required = {"duration": ["seconds"], "until": ["source"], "window": ["days", "start", "end"], "best_time": []}[
            mode
        ]
        errors = {name: f"Required when mode is {mode}." for name in required if name not in data}
        if mode == "until" and "source" in data and _SOURCE_FIELD[data["source"]] not in data:
            errors[_SOURCE_FIELD[data["source"]]] = f"Required when source is {data['source']}."
        if mode == "window" and "start" in data and "end" in data and data["end"] <= data["start"]:
            # Zero-padded HH:MM strings compare like the times they name.
            errors["end"] = "Must be after the start; a window lies within one day."
        if errors:
            raise serializers.ValidationError(errors)
        # Keep only the chosen mode's fields, so leftovers from another mode in the inspector do
        # not linger in the stored graph.
        kept = list(_MODE_FIELDS[mode])
        if mode == "until":
            kept.append(_SOURCE_FIELD[data["source"]])
        return {"mode": mode, **{name: data[name] for name in kept if name in data}}


@register
class Wait(NodeType):
    kind = "wait"
    label = "Wait"
    category = "flow"
    description = (
        "Holds the customer for a time, until a moment, until an allowed window or until their best hour,"
        " then continues."
    )
    ports = ("next",)
    waits = True
    Config = Config

    def describe(self, config: dict) -> str:
        mode = config["mode"]
        if mode == "duration":
            return f"Wait {short_duration(config['seconds'])}"
        if mode == "until":
            source = config["source"]
            subject = {
                "fixed": config.get("at", "")[:16].replace("T", " "),
                "attribute": config.get("attribute", ""),
                "trigger_property": f"the event's {config.get('property', '')}",
            }[source]
            offset = config.get("offset_seconds") or 0
            if offset:
                direction = "before" if offset < 0 else "after"
                return f"Wait until {short_duration(abs(offset))} {direction} {subject}"
            return f"Wait until {subject}"
        if mode == "best_time":
            window = config.get("window_hours", 24)
            return f"Wait for the customer's best time within {short_duration(window * 3600)}"
        days = config["days"]
        names = "every day" if len(days) == 7 else ", ".join(WEEKDAY_ABBREVIATIONS[day] for day in days)
        zone = f" {config['timezone']}" if config.get("timezone") else ""
        return f"Wait for {names} {config['start']}-{config['end']}{zone}"

    def run(self, ctx: NodeContext) -> Outcome:
        mode = ctx.config["mode"]
        if mode == "duration":
            seconds = ctx.config["seconds"]
            return Outcome.wait(
                until=ctx.now + timedelta(seconds=seconds), port="next", reason=f"waiting {describe_duration(seconds)}"
            )
        if mode == "until":
            return self._wait_until(ctx)
        if mode == "best_time":
            return self._wait_for_best_time(ctx)
        return self._wait_for_window(ctx)

    def _wait_until(self, ctx: NodeContext) -> Outcome:
        config = ctx.config
        source = config["source"]
        zone = resolve_zone(ctx.customer.timezone, ctx.default_timezone)
        if source == "fixed":
            subject, raw = "the set time", config["at"]
            moment = parse_moment(raw, UTC)
        else:
            if source == "attribute":
                subject = config["attribute"]
                raw = lookup(ctx.customer.attributes, subject)
            else:
                subject = f"trigger property {config['property']}"
                raw = lookup(ctx.trigger.get("properties") or {}, config["property"])
            if raw is MISSING or raw is None:
                return Outcome.go("next", f"{subject} is not set, not waiting")
            moment = parse_moment(raw, zone)
        offset = config.get("offset_seconds", 0)
        try:
            due = moment + timedelta(seconds=offset) if moment else None
        except OverflowError:
            due = None
        if due is None:
            shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:37] + "..."
            return Outcome.go("next", f"{subject} is not a date or time ({shown}), not waiting")
        note = f" ({describe_offset(offset, subject)})" if offset or source != "fixed" else ""
        when = f"{_in_zone(due, zone)}{note}"
        if due <= ctx.now:
            return Outcome.go("next", f"{when} already passed")
        return Outcome.wait(until=due, port="next", reason=f"waiting until {when}")

    def _wait_for_window(self, ctx: NodeContext) -> Outcome:
        config = ctx.config
        zone = resolve_zone(config.get("timezone", ""), ctx.customer.timezone, ctx.default_timezone)
        window = next_window(ctx.now, config["days"], config["start"], config["end"], zone)
        if window is None:
            # Unreachable with a valid config (every allowed weekday recurs within the horizon);
            # moving on beats holding the customer forever.
            return Outcome.go("next", f"no window within {WINDOW_SEARCH_DAYS} days, not waiting")
        opens, closes = window
        if opens <= ctx.now:
            return Outcome.go("next", f"inside the window until {closes.astimezone(zone):%a %H:%M} {zone.key}")
        return Outcome.wait(
            until=opens, port="next", reason=f"waiting until {opens.astimezone(zone):%a %H:%M} {zone.key}"
        )

    def _wait_for_best_time(self, ctx: NodeContext) -> Outcome:
        config = ctx.config
        zone = resolve_zone(ctx.customer.timezone, ctx.default_timezone)
        window_hours = config.get("window_hours", 24)
        until = ctx.now + timedelta(hours=window_hours)
        view = ctx.send_time()
        if view is not None and view.habits is not None:
            belief = posterior(view)
            moment, how = best_slot(ctx.now, until, belief.shares.tolist(), zone)
            habit = f"habit: {belief.habit} (posterior {belief.habit_probability:.2f})"
            if belief.weekend_habit != belief.habit:
                habit += f", weekends {belief.weekend_habit} ({belief.weekend_probability:.2f})"
            source = f"from {view.evidence} engagements" if view.evidence else "from the population pattern"
            reason = f"best time {describe_hour(how)} {zone.key} within {window_hours} h; {habit}, {source}"
        else:
            moment = self._fallback_moment(ctx.now, config.get("fallback", "10:00"), zone)
            if moment >= until:  # the fallback hour lies beyond the window: send when it closes
                moment = until
            reason = f"fallback {config.get('fallback', '10:00')} {zone.key}, nothing learnt yet"
        if moment <= ctx.now:
            return Outcome.go("next", f"{reason}: now")
        return Outcome.wait(until=moment, port="next", reason=f"waiting until {_in_zone(moment, zone)}: {reason}")

    @staticmethod
    def _fallback_moment(now: datetime, clock: str, zone: ZoneInfo) -> datetime:
        """The next local `clock` time at or after `now` (today's, else tomorrow's)."""
        hours, minutes = parse_clock(clock)
        today = now.astimezone(zone).date()
        for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
            moment = local_instant(datetime.combine(day, time(hours, minutes)), zone)
            if moment >= now:
                return moment
        raise AssertionError("unreachable: a wall-clock time recurs within two days")
