from datetime import UTC, datetime, timedelta

import pytest

from journeys import nodes
from journeys.nodes.base import CustomerView, NodeContext

DAY = 86400


@pytest.fixture(scope="module")
def wait():
    nodes.autodiscover()  # already done by JourneysConfig.ready; repeating it is harmless
    return nodes.get("wait")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clean(wait, config: dict) -> dict:
    validated, errors = wait.clean_config(config)
    assert errors == {}
    return validated


def errors_of(wait, config) -> dict:
    validated, errors = wait.clean_config(config)
    assert validated == {}
    return errors


def run(wait, config: dict, *, now: datetime, timezone="", attributes=None, trigger=None, default_timezone="UTC"):
    customer = CustomerView(
        id=7,
        external_id="c-7",
        email="ada@example.com",
        phone="",
        timezone=timezone,
        attributes=attributes or {},
        consent={},
    )
    ctx = NodeContext(
        node_id="wait-1",
        config=clean(wait, config),
        now=now,
        journey_id=1,
        enrollment_id=1,
        entered_at=now,
        customer=customer,
        context={"trigger": trigger} if trigger is not None else {},
        visit=1,
        event_count=lambda **kwargs: 0,
        default_timezone=default_timezone,
    )
    return wait.run(ctx)


def assert_waits(outcome, until: datetime, reason: str | None = None):
    assert outcome.wait_until == until
    assert outcome.due_port == "next"
    assert outcome.port is None
    assert outcome.wait_for is None
    assert outcome.is_wait
    if reason is not None:
        assert outcome.reason == reason


def assert_moves_on(outcome, reason_part: str = ""):
    assert outcome.port == "next"
    assert not outcome.is_wait
    assert reason_part in outcome.reason


# --- The node type


def test_it_is_registered_as_a_flow_node_that_waits_with_one_optional_port(wait):
    assert wait.kind == "wait"
    assert wait.label == "Wait"
    assert wait.category == "flow"
    assert wait.waits is True
    assert wait.output_ports({"mode": "duration", "seconds": 60}) == ["next"]
    assert wait.required_output_ports({"mode": "duration", "seconds": 60}) == []


def test_it_rejects_a_missing_or_unknown_mode(wait):
    assert "mode" in errors_of(wait, {})
    assert "mode" in errors_of(wait, {"mode": "forever"})
    assert "mode" in errors_of(wait, "not an object")


# --- duration


def test_it_waits_for_a_duration(wait):
    now = at(2026, 5, 4, 12, 0)
    outcome = run(wait, {"mode": "duration", "seconds": 3 * DAY}, now=now)
    assert_waits(outcome, now + timedelta(days=3), "waiting 3 days")


def test_it_accepts_durations_from_one_second_to_a_year(wait):
    assert clean(wait, {"mode": "duration", "seconds": 1}) == {"mode": "duration", "seconds": 1}
    assert clean(wait, {"mode": "duration", "seconds": 365 * DAY})["seconds"] == 365 * DAY


@pytest.mark.parametrize("seconds", [0, -5, 365 * DAY + 1, "soon", None])
def test_it_rejects_a_duration_out_of_range_or_not_a_number(wait, seconds):
    assert list(errors_of(wait, {"mode": "duration", "seconds": seconds})) == ["seconds"]


def test_it_requires_seconds_for_a_duration(wait):
    assert errors_of(wait, {"mode": "duration"}) == {"seconds": ["Required when mode is duration."]}


def test_it_drops_fields_of_other_modes_from_the_config(wait):
    config = {"mode": "duration", "seconds": 60, "days": [0], "start": "09:00", "source": "fixed", "timezone": "UTC"}
    assert clean(wait, config) == {"mode": "duration", "seconds": 60}


# --- until: configuration


def test_it_requires_a_source_for_until(wait):
    assert errors_of(wait, {"mode": "until"}) == {"source": ["Required when mode is until."]}


@pytest.mark.parametrize(
    ("source", "field"), [("fixed", "at"), ("attribute", "attribute"), ("trigger_property", "property")]
)
def test_it_requires_the_field_its_source_reads(wait, source, field):
    assert errors_of(wait, {"mode": "until", "source": source}) == {field: [f"Required when source is {source}."]}


def test_it_stores_a_fixed_time_with_an_explicit_offset(wait):
    config = clean(wait, {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00:00+01:00"})
    assert config == {"mode": "until", "source": "fixed", "at": "2026-12-24T09:00:00+00:00", "offset_seconds": 0}


def test_it_takes_a_fixed_time_without_an_offset_as_utc(wait):
    config = clean(wait, {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00"})
    assert config["at"] == "2026-12-24T10:00:00+00:00"


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T10:00", "2026-12-24", ""])
def test_it_rejects_a_fixed_time_that_is_not_an_iso_date_time(wait, value):
    assert list(errors_of(wait, {"mode": "until", "source": "fixed", "at": value})) == ["at"]


@pytest.mark.parametrize("offset", [365 * DAY + 1, -365 * DAY - 1, "a day"])
def test_it_bounds_the_offset_to_a_year_either_way(wait, offset):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": offset}
    assert list(errors_of(wait, config)) == ["offset_seconds"]


def test_it_keeps_only_the_field_the_source_reads(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "trip.starts_at", "property": "x", "at": "junk"}
    assert clean(wait, {**config, "at": "2026-01-01T00:00Z"}) == {
        "mode": "until",
        "source": "attribute",
        "attribute": "trip.starts_at",
        "offset_seconds": 0,
    }


# --- until: running


def test_it_waits_until_a_fixed_time(wait):
    outcome = run(wait, {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00:00Z"}, now=at(2026, 12, 1))
    assert_waits(outcome, at(2026, 12, 24, 10, 0), "waiting until 2026-12-24 10:00 UTC")


def test_it_shows_the_time_in_the_customers_timezone(wait):
    config = {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00:00Z"}
    outcome = run(wait, config, now=at(2026, 12, 1), timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 12, 24, 10, 0), "waiting until 2026-12-24 11:00 Europe/Paris")


def test_it_moves_on_at_once_when_the_fixed_time_has_passed(wait):
    outcome = run(wait, {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00:00Z"}, now=at(2026, 12, 25))
    assert_moves_on(outcome)
    assert outcome.reason == "2026-12-24 10:00 UTC already passed"


def test_it_moves_on_when_now_is_exactly_the_moment(wait):
    outcome = run(wait, {"mode": "until", "source": "fixed", "at": "2026-12-24T10:00:00Z"}, now=at(2026, 12, 24, 10))
    assert_moves_on(outcome, "already passed")


def test_it_waits_until_a_day_before_a_booking_attribute(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": -DAY}
    outcome = run(wait, config, now=at(2026, 12, 1), attributes={"booking_at": "2026-12-24T10:00:00Z"})
    assert_waits(outcome, at(2026, 12, 23, 10, 0), "waiting until 2026-12-23 10:00 UTC (1 day before booking_at)")


def test_it_waits_until_after_an_attribute_with_a_positive_offset(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": 2 * 3600}
    outcome = run(wait, config, now=at(2026, 12, 1), attributes={"booking_at": "2026-12-24T10:00:00Z"})
    assert_waits(outcome, at(2026, 12, 24, 12, 0), "waiting until 2026-12-24 12:00 UTC (2 hours after booking_at)")


def test_it_reads_an_attribute_by_dotted_path(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "trip.departs_at"}
    attributes = {"trip": {"departs_at": "2026-07-01T06:30:00+02:00"}}
    outcome = run(wait, config, now=at(2026, 6, 1), attributes=attributes)
    assert_waits(outcome, at(2026, 7, 1, 4, 30), "waiting until 2026-07-01 04:30 UTC (trip.departs_at)")


def test_it_reads_a_property_of_the_trigger_event(wait):
    config = {"mode": "until", "source": "trigger_property", "property": "delivery_at", "offset_seconds": 3600}
    trigger = {"event": "Order Shipped", "properties": {"delivery_at": "2026-06-02T08:00:00Z"}}
    outcome = run(wait, config, now=at(2026, 6, 1), trigger=trigger)
    assert_waits(
        outcome, at(2026, 6, 2, 9, 0), "waiting until 2026-06-02 09:00 UTC (1 hour after trigger property delivery_at)"
    )


@pytest.mark.parametrize("timestamp", [1_796_032_800, 1_796_032_800.0])
def test_it_reads_a_unix_timestamp_in_seconds(wait, timestamp):
    config = {"mode": "until", "source": "attribute", "attribute": "renews_at"}
    outcome = run(wait, config, now=at(2026, 1, 1), attributes={"renews_at": timestamp})
    assert_waits(outcome, datetime.fromtimestamp(1_796_032_800, UTC))


def test_it_reads_a_date_only_value_as_midnight_in_the_customers_timezone(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "birthday"}
    outcome = run(wait, config, now=at(2026, 12, 1), timezone="Europe/Paris", attributes={"birthday": "2026-12-24"})
    assert_waits(outcome, at(2026, 12, 23, 23, 0), "waiting until 2026-12-24 00:00 Europe/Paris (birthday)")


def test_it_reads_a_date_only_value_in_the_default_timezone_when_the_customer_has_none(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "birthday"}
    outcome = run(
        wait, config, now=at(2026, 12, 1), default_timezone="America/New_York", attributes={"birthday": "2026-12-24"}
    )
    assert_waits(outcome, at(2026, 12, 24, 5, 0))


def test_it_reads_a_date_time_without_an_offset_in_the_customers_timezone(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at"}
    attributes = {"booking_at": "2026-07-01T10:00:00"}
    outcome = run(wait, config, now=at(2026, 6, 1), timezone="America/New_York", attributes=attributes)
    assert_waits(outcome, at(2026, 7, 1, 14, 0))


def test_it_moves_on_when_a_negative_offset_puts_the_moment_in_the_past(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": -DAY}
    outcome = run(wait, config, now=at(2026, 12, 23, 12), attributes={"booking_at": "2026-12-24T10:00:00Z"})
    assert_moves_on(outcome)
    assert outcome.reason == "2026-12-23 10:00 UTC (1 day before booking_at) already passed"


@pytest.mark.parametrize("attributes", [{}, {"booking_at": None}, {"booking": "2026-12-24"}])
def test_it_moves_on_when_the_attribute_is_missing(wait, attributes):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at"}
    outcome = run(wait, config, now=at(2026, 12, 1), attributes=attributes)
    assert_moves_on(outcome)
    assert outcome.reason == "booking_at is not set, not waiting"


@pytest.mark.parametrize("value", ["next Tuesday", "", True, [2026, 12, 24], {"day": 24}, 1e300, "2026-02-30"])
def test_it_moves_on_when_the_attribute_is_not_a_date_or_time(wait, value):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at"}
    outcome = run(wait, config, now=at(2026, 12, 1), attributes={"booking_at": value})
    assert_moves_on(outcome, "booking_at is not a date or time (")


def test_it_moves_on_when_the_offset_pushes_the_moment_past_the_calendar(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "booking_at", "offset_seconds": 2 * DAY}
    outcome = run(wait, config, now=at(2026, 12, 1), attributes={"booking_at": "9999-12-31T00:00:00Z"})
    assert_moves_on(outcome, "is not a date or time")


@pytest.mark.parametrize("trigger", [None, {}, {"properties": None}, {"properties": {"other": 1}}])
def test_it_moves_on_when_the_trigger_has_no_such_property(wait, trigger):
    config = {"mode": "until", "source": "trigger_property", "property": "delivery_at"}
    outcome = run(wait, config, now=at(2026, 6, 1), trigger=trigger)
    assert_moves_on(outcome)
    assert outcome.reason == "trigger property delivery_at is not set, not waiting"


# --- window: configuration

WEEKDAYS_9_TO_5 = {"mode": "window", "days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}


def test_it_stores_a_window_with_sorted_days(wait):
    config = clean(wait, {**WEEKDAYS_9_TO_5, "days": [4, 0, 2], "timezone": "Europe/Paris", "seconds": 5})
    assert config == {"mode": "window", "days": [0, 2, 4], "start": "09:00", "end": "17:00", "timezone": "Europe/Paris"}


def test_it_requires_days_start_and_end_for_a_window(wait):
    assert errors_of(wait, {"mode": "window"}) == {
        "days": ["Required when mode is window."],
        "start": ["Required when mode is window."],
        "end": ["Required when mode is window."],
    }


@pytest.mark.parametrize(
    ("days", "message"),
    [([], "Choose at least one day."), ([1, 1], "Each day may appear only once.")],
)
def test_it_rejects_empty_or_repeated_days(wait, days, message):
    assert errors_of(wait, {**WEEKDAYS_9_TO_5, "days": days}) == {"days": [message]}


@pytest.mark.parametrize("days", [[7], [-1], ["monday"], "0,1"])
def test_it_rejects_days_that_are_not_weekday_numbers(wait, days):
    assert list(errors_of(wait, {**WEEKDAYS_9_TO_5, "days": days})) == ["days"]


@pytest.mark.parametrize(("field", "value"), [("start", "9:00"), ("start", "24:00"), ("end", "17:60"), ("end", "5pm")])
def test_it_rejects_times_that_are_not_hh_mm(wait, field, value):
    assert list(errors_of(wait, {**WEEKDAYS_9_TO_5, field: value})) == [field]


@pytest.mark.parametrize(("start", "end"), [("09:00", "09:00"), ("17:00", "09:00")])
def test_it_rejects_a_window_that_ends_before_it_starts(wait, start, end):
    assert errors_of(wait, {**WEEKDAYS_9_TO_5, "start": start, "end": end}) == {
        "end": ["Must be after the start; a window lies within one day."]
    }


def test_it_accepts_a_window_that_runs_to_midnight(wait):
    assert clean(wait, {**WEEKDAYS_9_TO_5, "start": "20:00", "end": "24:00"})["end"] == "24:00"


def test_it_rejects_an_unknown_timezone(wait):
    errors = errors_of(wait, {**WEEKDAYS_9_TO_5, "timezone": "Mars/Olympus_Mons"})
    assert errors == {"timezone": ["'Mars/Olympus_Mons' is not an IANA timezone such as Europe/Paris."]}


# --- window: running (2026-05-04 is a Monday)


def test_it_moves_on_at_once_inside_a_window(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 12, 0), timezone="Europe/Paris")
    assert_moves_on(outcome)
    assert outcome.reason == "inside the window until Mon 17:00 Europe/Paris"


def test_it_waits_for_the_window_later_the_same_day(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 5, 0), timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 5, 4, 7, 0), "waiting until Mon 09:00 Europe/Paris")


def test_it_waits_for_the_next_day_after_the_window_closes(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 16, 0), timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 5, 5, 7, 0), "waiting until Tue 09:00 Europe/Paris")


def test_it_moves_on_when_now_is_exactly_the_start(wait):
    assert_moves_on(run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 7, 0), timezone="Europe/Paris"))


def test_it_treats_the_end_as_outside_the_window(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 15, 0), timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 5, 5, 7, 0))


def test_it_moves_on_a_moment_before_the_end(wait):
    now = at(2026, 5, 4, 15, 0) - timedelta(microseconds=1)
    assert_moves_on(run(wait, WEEKDAYS_9_TO_5, now=now, timezone="Europe/Paris"))


def test_it_waits_over_the_weekend_for_monday(wait):
    friday_evening = at(2026, 5, 8, 18, 0)
    outcome = run(wait, WEEKDAYS_9_TO_5, now=friday_evening, timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 5, 11, 7, 0), "waiting until Mon 09:00 Europe/Paris")


def test_it_waits_from_midweek_for_a_weekend_only_window(wait):
    config = {"mode": "window", "days": [5, 6], "start": "10:00", "end": "12:00"}
    wednesday = at(2026, 5, 6, 9)
    assert_waits(run(wait, config, now=wednesday, timezone="UTC"), at(2026, 5, 9, 10), "waiting until Sat 10:00 UTC")
    # After Sunday's window the next one is the following Saturday, six days on.
    assert_waits(run(wait, config, now=at(2026, 5, 10, 13), timezone="UTC"), at(2026, 5, 16, 10))


def test_it_waits_a_week_for_a_single_day_already_past(wait):
    config = {"mode": "window", "days": [0], "start": "09:00", "end": "10:00"}
    assert_waits(run(wait, config, now=at(2026, 5, 4, 11), timezone="UTC"), at(2026, 5, 11, 9))


def test_it_uses_the_default_timezone_for_a_customer_without_one(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 5, 0), default_timezone="America/New_York")
    assert_waits(outcome, at(2026, 5, 4, 13, 0), "waiting until Mon 09:00 America/New_York")


def test_it_uses_the_default_timezone_when_the_customers_is_invalid(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 9), timezone="Nowhere/Else", default_timezone="Asia/Tokyo")
    assert_waits(outcome, at(2026, 5, 5, 0, 0), "waiting until Tue 09:00 Asia/Tokyo")


def test_it_falls_back_to_utc_when_no_timezone_is_valid(wait):
    outcome = run(wait, WEEKDAYS_9_TO_5, now=at(2026, 5, 4, 5), timezone="", default_timezone="")
    assert_waits(outcome, at(2026, 5, 4, 9, 0), "waiting until Mon 09:00 UTC")


def test_the_configured_timezone_wins_over_the_customers(wait):
    config = {**WEEKDAYS_9_TO_5, "timezone": "America/New_York"}
    outcome = run(wait, config, now=at(2026, 5, 4, 5), timezone="Europe/Paris")
    assert_waits(outcome, at(2026, 5, 4, 13, 0), "waiting until Mon 09:00 America/New_York")


def test_a_window_to_midnight_includes_the_last_minute(wait):
    config = {"mode": "window", "days": [0], "start": "20:00", "end": "24:00"}
    assert_moves_on(run(wait, config, now=at(2026, 5, 4, 23, 59, 59), timezone="UTC"))
    assert_waits(run(wait, config, now=at(2026, 5, 5, 0, 0), timezone="UTC"), at(2026, 5, 11, 20))


# --- window across DST changes. Paris: 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET.
# New York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST. All four are Sundays.

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("zone", "now", "until"),
    [
        # Saturday 10:00 local, after the window: Sunday's 09:00 is 23 hours away in spring...
        ("Europe/Paris", at(2026, 3, 28, 9), at(2026, 3, 29, 7)),
        ("America/New_York", at(2026, 3, 7, 15), at(2026, 3, 8, 13)),
        # ...and 25 hours away in the autumn.
        ("Europe/Paris", at(2026, 10, 24, 8), at(2026, 10, 25, 8)),
        ("America/New_York", at(2026, 10, 31, 14), at(2026, 11, 1, 14)),
    ],
)
def test_a_window_keeps_its_wall_clock_start_across_dst(wait, zone, now, until):
    config = {"mode": "window", "days": EVERY_DAY, "start": "09:00", "end": "09:30", "timezone": zone}
    assert_waits(run(wait, config, now=now), until, f"waiting until Sun 09:00 {zone}")


@pytest.mark.parametrize(
    ("zone", "now", "until"),
    [
        ("Europe/Paris", at(2026, 3, 28, 12), at(2026, 3, 29, 1)),  # 02:30 does not exist; 03:00 CEST
        ("America/New_York", at(2026, 3, 7, 17), at(2026, 3, 8, 7)),  # 02:30 does not exist; 03:00 EDT
    ],
)
def test_a_start_in_the_spring_forward_gap_moves_to_the_end_of_the_gap(wait, zone, now, until):
    config = {"mode": "window", "days": [6], "start": "02:30", "end": "05:00", "timezone": zone}
    assert_waits(run(wait, config, now=now), until, f"waiting until Sun 03:00 {zone}")


def test_a_window_entirely_inside_the_gap_is_skipped_for_the_next_week(wait):
    config = {"mode": "window", "days": [6], "start": "02:10", "end": "02:50", "timezone": "Europe/Paris"}
    outcome = run(wait, config, now=at(2026, 3, 28, 12))
    assert_waits(outcome, at(2026, 4, 5, 0, 10), "waiting until Sun 02:10 Europe/Paris")


def test_a_window_ending_in_the_gap_closes_at_the_end_of_the_gap(wait):
    config = {"mode": "window", "days": [6], "start": "01:00", "end": "02:30", "timezone": "Europe/Paris"}
    assert_moves_on(run(wait, config, now=at(2026, 3, 29, 0, 59)))  # 01:59 CET
    assert_waits(run(wait, config, now=at(2026, 3, 29, 1, 0)), at(2026, 4, 4, 23, 0))  # 03:00 CEST: closed


@pytest.mark.parametrize(
    ("zone", "start", "now", "until"),
    [
        ("Europe/Paris", "02:30", at(2026, 10, 24, 12), at(2026, 10, 25, 0, 30)),  # 02:30 CEST, not CET
        ("America/New_York", "01:30", at(2026, 10, 31, 12), at(2026, 11, 1, 5, 30)),  # 01:30 EDT, not EST
    ],
)
def test_an_ambiguous_start_in_the_fall_back_overlap_is_its_first_occurrence(wait, zone, start, now, until):
    config = {"mode": "window", "days": [6], "start": start, "end": "06:00", "timezone": zone}
    assert_waits(run(wait, config, now=now), until, f"waiting until Sun {start} {zone}")


def test_the_second_pass_through_the_overlap_is_inside_a_window_that_spans_it(wait):
    # 02:00-03:00 on the Paris fall-back day lasts two real hours: 00:00-02:00 UTC.
    config = {"mode": "window", "days": [6], "start": "02:00", "end": "03:00", "timezone": "Europe/Paris"}
    assert_moves_on(run(wait, config, now=at(2026, 10, 25, 0, 30)))  # 02:30 CEST
    assert_moves_on(run(wait, config, now=at(2026, 10, 25, 1, 30)))  # 02:30 CET
    assert_waits(run(wait, config, now=at(2026, 10, 25, 2, 0)), at(2026, 11, 1, 1, 0))  # 03:00 CET: closed


def test_the_customers_timezone_drives_dst_handling(wait):
    config = {"mode": "window", "days": [6], "start": "02:30", "end": "05:00"}
    outcome = run(wait, config, now=at(2026, 3, 7, 17), timezone="America/New_York")
    assert_waits(outcome, at(2026, 3, 8, 7), "waiting until Sun 03:00 America/New_York")


def test_a_date_only_value_on_a_dst_day_is_that_local_midnight(wait):
    config = {"mode": "until", "source": "attribute", "attribute": "day"}
    outcome = run(wait, config, now=at(2026, 3, 1), timezone="America/New_York", attributes={"day": "2026-03-09"})
    assert_waits(outcome, at(2026, 3, 9, 4, 0))  # midnight EDT, the first midnight after the change
