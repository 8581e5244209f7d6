from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from journeys import nodes
from journeys.engine.audience import audience_customer_ids, count_events, event_counter
from journeys.models import Customer, Event
from journeys.nodes.base import CustomerView, NodeContext
from tests.factories import make_source
from tests.nodes.helpers import clean, errors_of

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}


@pytest.fixture(scope="module")
def trigger():
    return nodes.get("audience_trigger")


def scheduled(every="day", time="09:00", timezone="UTC", weekday=None) -> dict:
    schedule = {"every": every, "time": time, "timezone": timezone}
    if weekday is not None:
        schedule["weekday"] = weekday
    return {"condition": PRO, "mode": "schedule", "schedule": schedule}


# --- The node and its config.


def test_it_is_registered_as_a_trigger(trigger):
    assert trigger.kind == "audience_trigger"
    assert trigger.category == "trigger"
    assert trigger.output_ports({}) == ["next"]


def test_the_mode_defaults_to_at_publish(trigger):
    assert clean(trigger, {"condition": PRO}) == {"condition": PRO, "mode": "at_publish"}


def test_on_change_needs_only_a_condition(trigger):
    assert clean(trigger, {"condition": PRO, "mode": "on_change"})["mode"] == "on_change"


def test_a_schedule_defaults_to_utc(trigger):
    config = clean(trigger, {"condition": PRO, "mode": "schedule", "schedule": {"every": "day", "time": "07:30"}})
    assert config["schedule"]["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("config", "path", "message"),
    [
        ({"mode": "at_publish"}, ("condition",), "This field is required."),
        ({"condition": {"type": "nope"}}, ("condition",), "type: must be one of attribute, event, consent"),
        ({"condition": PRO, "mode": "sometimes"}, ("mode",), "not a valid choice"),
        ({"condition": PRO, "mode": "schedule"}, ("schedule",), "the schedule mode needs a schedule"),
        (scheduled(time="9:00"), ("schedule", "time"), "does not match"),
        (scheduled(time="24:00"), ("schedule", "time"), "does not match"),
        (scheduled(timezone="Mars/Olympus"), ("schedule", "timezone"), "not an IANA time zone"),
        (scheduled(every="week"), ("schedule", "weekday"), "a weekly schedule needs a weekday"),
        (scheduled(every="week", weekday=7), ("schedule", "weekday"), "less than or equal to 6"),
        (scheduled(every="month"), ("schedule", "every"), "not a valid choice"),
    ],
)
def test_bad_configs_are_refused(trigger, config, path, message):
    errors = errors_of(trigger, config)
    for key in path:
        errors = errors[key]
    assert message in str(errors)


def test_it_enters_customers_with_the_audience_as_reason(trigger):
    now = datetime(2025, 1, 1, tzinfo=UTC)
    ctx = NodeContext(
        node_id="trigger",
        config=clean(trigger, {"condition": PRO}),
        now=now,
        journey_id=1,
        enrollment_id=1,
        entered_at=now,
        customer=CustomerView(
            id=1, external_id=None, email="", phone="", timezone="", attributes={"plan": "pro"}, consent={}
        ),
        context={},
        visit=1,
        event_count=lambda **kwargs: 0,
    )
    outcome = trigger.run(ctx)
    assert outcome.port == "next"
    assert outcome.reason == "in the audience: plan = 'pro'"


# --- next_run_at


def test_only_a_scheduled_audience_has_a_next_run(trigger):
    after = datetime(2025, 1, 1, tzinfo=UTC)
    assert trigger.next_run_at({"condition": PRO, "mode": "at_publish"}, after) is None
    assert trigger.next_run_at({"condition": PRO, "mode": "on_change"}, after) is None


def test_a_daily_run_is_later_today_when_the_time_is_still_ahead(trigger):
    config = clean(trigger, scheduled(time="09:00", timezone="Europe/Paris"))
    after = datetime(2025, 1, 10, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert trigger.next_run_at(config, after) == datetime(2025, 1, 10, 9, 0, tzinfo=PARIS)


def test_a_daily_run_is_tomorrow_once_the_time_has_passed_or_is_now(trigger):
    config = clean(trigger, scheduled(time="09:00", timezone="Europe/Paris"))
    exactly_then = datetime(2025, 1, 10, 9, 0, tzinfo=PARIS)
    assert trigger.next_run_at(config, exactly_then) == datetime(2025, 1, 11, 9, 0, tzinfo=PARIS)


def test_the_answer_is_aware_and_in_utc(trigger):
    config = clean(trigger, scheduled(time="09:00", timezone="America/New_York"))
    run_at = trigger.next_run_at(config, datetime(2025, 1, 10, tzinfo=UTC))
    assert run_at.tzinfo is UTC
    assert run_at == datetime(2025, 1, 10, 14, 0, tzinfo=UTC)


def test_a_daily_run_keeps_its_local_time_across_the_spring_change_in_paris(trigger):
    # Paris moves from UTC+1 to UTC+2 on 30 March 2025.
    config = clean(trigger, scheduled(time="09:00", timezone="Europe/Paris"))
    before = trigger.next_run_at(config, datetime(2025, 3, 29, 9, 0, tzinfo=PARIS))
    assert before == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert trigger.next_run_at(config, before) == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    assert trigger.next_run_at(config, datetime(2025, 3, 28, 9, 0, tzinfo=PARIS)) == datetime(
        2025, 3, 29, 8, 0, tzinfo=UTC
    )


def test_a_daily_run_keeps_its_local_time_across_the_autumn_change_in_new_york(trigger):
    # New York moves from UTC-4 to UTC-5 on 2 November 2025.
    config = clean(trigger, scheduled(time="08:15", timezone="America/New_York"))
    runs = []
    after = datetime(2025, 10, 31, 13, 0, tzinfo=UTC)  # 09:00 in New York, past the time
    for _ in range(4):
        after = trigger.next_run_at(config, after)
        runs.append(after)
    assert [run.astimezone(NEW_YORK).strftime("%d %H:%M") for run in runs] == [
        "01 08:15",
        "02 08:15",
        "03 08:15",
        "04 08:15",
    ]
    assert [run.hour for run in runs] == [12, 13, 13, 13]


def test_a_time_skipped_by_the_spring_gap_runs_just_after_the_gap(trigger):
    # 02:30 does not exist in Paris on 30 March 2025: clocks jump from 02:00 to 03:00.
    config = clean(trigger, scheduled(time="02:30", timezone="Europe/Paris"))
    run_at = trigger.next_run_at(config, datetime(2025, 3, 29, 12, 0, tzinfo=UTC))
    assert run_at == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert trigger.next_run_at(config, run_at) == datetime(2025, 3, 31, 0, 30, tzinfo=UTC)


def test_a_time_repeated_at_the_autumn_change_runs_once(trigger):
    # 01:30 happens twice in New York on 2 November 2025: once in EDT, then again in EST.
    config = clean(trigger, scheduled(time="01:30", timezone="America/New_York"))
    first = trigger.next_run_at(config, datetime(2025, 11, 1, 12, 0, tzinfo=UTC))
    assert first == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert trigger.next_run_at(config, first) == datetime(2025, 11, 3, 6, 30, tzinfo=UTC)


def test_a_weekly_run_is_on_its_weekday(trigger):
    config = clean(trigger, scheduled(every="week", weekday=0, time="09:00", timezone="Europe/Paris"))
    wednesday = datetime(2025, 1, 8, 12, 0, tzinfo=UTC)
    assert trigger.next_run_at(config, wednesday) == datetime(2025, 1, 13, 9, 0, tzinfo=PARIS)


def test_a_weekly_run_on_the_same_day_waits_a_week_once_passed(trigger):
    config = clean(trigger, scheduled(every="week", weekday=0, time="09:00", timezone="Europe/Paris"))
    monday_morning = datetime(2025, 1, 13, 8, 59, tzinfo=PARIS)
    monday_noon = datetime(2025, 1, 13, 12, 0, tzinfo=PARIS)
    assert trigger.next_run_at(config, monday_morning) == datetime(2025, 1, 13, 9, 0, tzinfo=PARIS)
    assert trigger.next_run_at(config, monday_noon) == datetime(2025, 1, 20, 9, 0, tzinfo=PARIS)


def test_a_weekly_run_keeps_its_local_time_across_a_dst_change(trigger):
    # Sunday 10:00 in Paris; clocks go back (UTC+2 to UTC+1) early on Sunday 26 October 2025.
    config = clean(trigger, scheduled(every="week", weekday=6, time="10:00", timezone="Europe/Paris"))
    first = trigger.next_run_at(config, datetime(2025, 10, 13, tzinfo=UTC))
    second = trigger.next_run_at(config, first)
    assert first == datetime(2025, 10, 19, 8, 0, tzinfo=UTC)
    assert second == datetime(2025, 10, 26, 9, 0, tzinfo=UTC)
    assert second - first == timedelta(days=7, hours=1)  # that local week was an hour long

    # Sunday 10:00 in New York; clocks go forward (UTC-5 to UTC-4) early on Sunday 9 March 2025.
    spring = clean(trigger, scheduled(every="week", weekday=6, time="10:00", timezone="America/New_York"))
    before = trigger.next_run_at(spring, datetime(2025, 2, 24, tzinfo=UTC))
    after = trigger.next_run_at(spring, before)
    assert before == datetime(2025, 3, 2, 15, 0, tzinfo=UTC)
    assert after == datetime(2025, 3, 9, 14, 0, tzinfo=UTC)
    assert after.astimezone(NEW_YORK).strftime("%a %H:%M") == "Sun 10:00"


def test_a_naive_after_is_refused(trigger):
    config = clean(trigger, scheduled())
    with pytest.raises(ValueError, match="timezone-aware"):
        trigger.next_run_at(config, datetime(2025, 1, 1))  # noqa: DTZ001


# --- audience_customer_ids with real rows.

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop(db):
    source = make_source()
    pro = Customer.objects.create(attributes={"plan": "pro"}, consent={"email": True})
    free = Customer.objects.create(attributes={"plan": "free"}, consent={"email": True})
    pro_silent = Customer.objects.create(attributes={"plan": "pro"})
    buyer = Customer.objects.create(attributes={"plan": "free"})
    Event.objects.bulk_create(
        Event(
            source=source,
            customer=buyer,
            type="track",
            name="Order Completed",
            properties={"total": 20 * (i + 1)},
            message_id=f"order-{i}",
            timestamp=NOW - timedelta(days=i),
            received_at=NOW,
        )
        for i in range(3)
    )
    return {"pro": pro.id, "free": free.id, "pro_silent": pro_silent.id, "buyer": buyer.id}


def test_the_audience_is_everyone_matching_in_id_order(shop):
    assert audience_customer_ids(PRO, now=NOW) == sorted([shop["pro"], shop["pro_silent"]])


def test_the_audience_can_mix_attributes_consent_and_history(shop):
    condition = {
        "any": [
            {"all": [PRO, {"type": "consent", "channel": "email"}]},
            {"type": "event", "event": "Order Completed", "min_count": 2, "within_days": 7},
        ]
    }
    assert audience_customer_ids(condition, now=NOW) == sorted([shop["pro"], shop["buyer"]])


def test_only_the_given_customers_are_rechecked(shop):
    assert audience_customer_ids(PRO, now=NOW, customer_ids=[shop["pro"], shop["free"]]) == [shop["pro"]]
    assert audience_customer_ids(PRO, now=NOW, customer_ids=[]) == []


def test_a_large_audience_can_be_read_in_pages(shop):
    everyone = {"not": {"type": "attribute", "attribute": "plan", "op": "eq", "value": "nobody"}}
    first = audience_customer_ids(everyone, now=NOW, limit=3)
    rest = audience_customer_ids(everyone, now=NOW, after_id=first[-1], limit=3)
    assert first + rest == sorted(shop.values())


def test_the_event_counter_counts_like_an_event_leaf(shop):
    big = [{"property": "total", "op": "gte", "value": 40}]
    assert count_events(customer_id=shop["buyer"], name="Order Completed", since=None, filters=big) == 2
    count = event_counter(shop["buyer"])
    assert count(name="Order Completed", since=NOW - timedelta(days=1), filters=[]) == 2
    assert count(name="Order Completed", since=None, filters=[]) == 3
    assert count(name="Order Completed", since=None, filters=[{"property": "total", "op": "exists"}]) == 3
