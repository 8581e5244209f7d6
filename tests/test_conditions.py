import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from journeys.conditions import (
    FILTER_OPERATORS,
    ConditionSerializer,
    PropertyFilterSerializer,
    compare,
    condition_sql,
    describe_condition,
    evaluate,
    filters_match,
    lookup,
)
from journeys.models import Customer, Event
from journeys.nodes.base import CustomerView
from tests.factories import make_source

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
MISSING = lookup({}, "anything")


def view(*, id=1, external_id=None, email="", phone="", timezone="", attributes=None, consent=None) -> CustomerView:
    return CustomerView(
        id=id,
        external_id=external_id,
        email=email,
        phone=phone,
        timezone=timezone,
        attributes=attributes or {},
        consent=consent or {},
    )


def no_events(name, since, filters):
    return 0


def counting(count):
    """An event_count that answers `count` and records what it was asked."""
    calls = []

    def event_count(name, since, filters):
        calls.append((name, since, filters))
        return count

    event_count.calls = calls
    return event_count


def attr(attribute, op, value=None):
    leaf = {"type": "attribute", "attribute": attribute, "op": op}
    if value is not None:
        leaf["value"] = value
    return leaf


def sql_ids(condition, now=NOW) -> set[int]:
    sql, params = condition_sql(condition, now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id FROM journeys_customer c WHERE {sql}", params)
        return {row[0] for row in cursor.fetchall()}


def validate(data):
    field = ConditionSerializer()
    from rest_framework.exceptions import ValidationError

    try:
        return field.run_validation(data), []
    except ValidationError as error:
        return None, [str(message) for message in error.detail]


# --- compare: one table of operator semantics, checked in Python and in PostgreSQL.

OPERATOR_CASES = [
    # (stored attributes, op, value, expected)
    ({"plan": "pro"}, "eq", "pro", True),
    ({"plan": "Pro"}, "eq", "pro", False),
    ({"score": 1}, "eq", 1.0, True),
    ({"score": "1"}, "eq", 1, False),
    ({"flag": True}, "eq", 1, False),
    ({"score": 1}, "eq", True, False),
    ({"tags": [1, True]}, "eq", [1, 1], False),
    ({"address": {"city": "Paris"}}, "eq", {"city": "Paris"}, True),
    ({}, "eq", "pro", False),
    ({"plan": None}, "eq", None, False),
    ({"plan": "pro"}, "neq", "free", True),
    ({"plan": "pro"}, "neq", "pro", False),
    ({}, "neq", "pro", True),
    ({"plan": None}, "neq", "pro", True),
    ({"score": 1}, "neq", "1", True),
    ({"plan": "enterprise"}, "contains", "pri", True),
    ({"plan": "enterprise"}, "contains", "", True),
    ({"tags": ["vip", "beta"]}, "contains", "vip", True),
    ({"tags": ["vip-gold"]}, "contains", "vip", False),
    ({"tags": [1, 2]}, "contains", 2.0, True),
    ({"tags": [1, 2]}, "contains", True, False),
    ({"tags": [[1, 2]]}, "contains", [1], False),
    ({"tags": [{"a": 1, "b": 2}]}, "contains", {"a": 1}, False),
    ({"tags": [None]}, "contains", None, True),
    ({"score": 12}, "contains", 1, False),
    ({"address": {"vip": 1}}, "contains", "vip", False),
    ({"score": 5}, "gt", 3, True),
    ({"score": 3}, "gt", 3, False),
    ({"score": 3}, "gte", 3.0, True),
    ({"score": 2.5}, "lt", 3, True),
    ({"score": 3}, "lte", 2, False),
    ({"score": "5"}, "gt", 3, False),
    ({"score": True}, "gt", 0, False),
    ({"score": 5}, "gt", True, False),
    ({"plan": "b"}, "gt", "a", True),
    ({"plan": "B"}, "gt", "a", False),  # by code point: "B" (66) sorts before "a" (97)
    ({"plan": "é"}, "gt", "z", True),
    ({"plan": "ab"}, "lt", "b", True),
    # 1e23 is 99999999999999991611392 in binary; JSON and PostgreSQL mean 10**23.
    ({"score": 10**23}, "eq", 1e23, True),
    ({"score": 10**23 - 1}, "lt", 1e23, True),
    ({"score": [10**23]}, "contains", 1e23, True),
    ({}, "gt", 3, False),
    ({"score": None}, "lt", 3, False),
    ({"plan": "pro"}, "exists", None, True),
    ({"plan": ""}, "exists", None, True),
    ({"plan": None}, "exists", None, False),
    ({}, "exists", None, False),
    ({"plan": False}, "not_exists", None, False),
    ({"plan": None}, "not_exists", None, True),
    ({}, "not_exists", None, True),
]


@pytest.mark.parametrize(("attributes", "op", "value", "expected"), OPERATOR_CASES)
def test_each_operator_means_the_same_in_python(attributes, op, value, expected):
    name = next(iter(attributes), "plan")
    assert compare(lookup(attributes, name), op, value) is expected


@pytest.mark.parametrize(("attributes", "op", "value", "expected"), OPERATOR_CASES)
def test_each_operator_means_the_same_in_sql(db, attributes, op, value, expected):
    customer = Customer.objects.create(attributes=attributes)
    name = next(iter(attributes), "plan")
    condition = {"type": "attribute", "attribute": name, "op": op, "value": value}
    assert (customer.id in sql_ids(condition)) is expected


def test_filters_match_reads_dotted_paths_only_through_objects():
    properties = {"order": {"total": 80}, "items": ["a", "b"]}
    assert filters_match([{"property": "order.total", "op": "gt", "value": 50}], properties)
    assert not filters_match([{"property": "items.0", "op": "eq", "value": "a"}], properties)
    assert filters_match([], properties)


def test_a_dotted_path_does_not_index_into_lists_in_sql(db):
    customer = Customer.objects.create(attributes={"tags": ["a"], "address": {"city": "Paris"}})
    assert customer.id not in sql_ids(attr("tags.0", "eq", "a"))
    assert customer.id in sql_ids(attr("address.city", "eq", "Paris"))
    assert customer.id in sql_ids(attr("tags.0", "not_exists"))


def test_property_filters_reject_values_postgresql_cannot_hold():
    assert not PropertyFilterSerializer(data={"property": "x", "op": "eq", "value": "a\x00b"}).is_valid()
    assert not PropertyFilterSerializer(data={"property": "x", "op": "gt", "value": float("nan")}).is_valid()
    assert PropertyFilterSerializer(data={"property": "x", "op": "exists"}).is_valid()


# --- Leaves in Python: profile fields, events, consent, and their reasons.


def test_profile_fields_are_read_from_the_profile_not_the_attributes():
    customer = view(email="ann@example.com", attributes={"email": "old@example.com"})
    assert evaluate(attr("email", "contains", "ann@"), customer, no_events, NOW) == (True, "email contains 'ann@'")


def test_a_blank_profile_field_counts_as_not_set():
    customer = view(phone="", external_id=None, timezone="Europe/Paris")
    assert evaluate(attr("phone", "not_exists"), customer, no_events, NOW)[0]
    assert evaluate(attr("external_id", "not_exists"), customer, no_events, NOW)[0]
    assert evaluate(attr("timezone", "eq", "Europe/Paris"), customer, no_events, NOW)[0]


def test_profile_fields_mean_the_same_in_sql(db):
    ann = Customer.objects.create(external_id="u1", email="ann@example.com", attributes={"phone": "+331"})
    bob = Customer.objects.create(email="", phone="+44 1")
    assert sql_ids(attr("email", "exists")) == {ann.id}
    assert sql_ids(attr("phone", "exists")) == {bob.id}
    assert sql_ids(attr("external_id", "eq", "u1")) == {ann.id}
    assert sql_ids(attr("email", "contains", "@example")) == {ann.id}


def test_an_attribute_reason_shows_the_value_it_found():
    customer = view(attributes={"plan": "free", "score": 2})
    assert evaluate(attr("plan", "eq", "pro"), customer, no_events, NOW) == (False, "plan is 'free' (needs = 'pro')")
    assert evaluate(attr("score", "gt", 3), customer, no_events, NOW) == (False, "score is 2 (needs > 3)")
    assert evaluate(attr("seats", "gte", 3), customer, no_events, NOW) == (False, "seats is not set (needs ≥ 3)")
    assert evaluate(attr("plan", "neq", "free"), customer, no_events, NOW) == (False, "plan = 'free'")
    assert evaluate(attr("seats", "exists"), customer, no_events, NOW) == (False, "seats is not set")
    assert evaluate(attr("plan", "not_exists"), customer, no_events, NOW) == (False, "plan is set ('free')")
    assert evaluate(attr("plan", "eq", "free"), customer, no_events, NOW) == (True, "plan = 'free'")


def test_an_event_leaf_counts_within_the_window_with_filters():
    event_count = counting(3)
    leaf = {
        "type": "event",
        "event": "Order Completed",
        "min_count": 3,
        "within_days": 30,
        "filters": [{"property": "total", "op": "gt", "value": 50}],
    }
    matched, reason = evaluate(leaf, view(), event_count, NOW)
    assert matched
    assert reason == "did Order Completed 3 times in 30 days where total > 50 (needs at least 3)"
    assert event_count.calls == [("Order Completed", NOW - timedelta(days=30), leaf["filters"])]


def test_an_event_leaf_without_a_window_counts_all_history():
    event_count = counting(0)
    leaf = {"type": "event", "event": "Signed Up"}
    assert evaluate(leaf, view(), event_count, NOW) == (False, "did Signed Up 0 times (needs at least 1)")
    assert event_count.calls == [("Signed Up", None, [])]


def test_an_event_leaf_with_max_count_means_at_most():
    leaf = {"type": "event", "event": "Support Ticket", "min_count": 0, "max_count": 1, "within_days": 7}
    assert evaluate(leaf, view(), counting(1), NOW) == (True, "did Support Ticket 1 time in 7 days (needs at most 1)")
    assert not evaluate(leaf, view(), counting(2), NOW)[0]
    between = {**leaf, "min_count": 2, "max_count": 4}
    assert evaluate(between, view(), counting(5), NOW) == (False, "did Support Ticket 5 times in 7 days (needs 2 to 4)")


def test_a_consent_leaf_needs_consent_granted():
    leaf = {"type": "consent", "channel": "sms"}
    assert evaluate(leaf, view(consent={"sms": True}), no_events, NOW) == (True, "consented to sms")
    assert evaluate(leaf, view(consent={"sms": False}), no_events, NOW) == (False, "no consent for sms")
    assert evaluate(leaf, view(consent={}), no_events, NOW) == (False, "no consent for sms")


def test_consent_means_the_same_in_sql(db):
    yes = Customer.objects.create(consent={"sms": True, "email": False})
    Customer.objects.create(consent={"sms": False})
    Customer.objects.create(consent={})
    assert sql_ids({"type": "consent", "channel": "sms"}) == {yes.id}
    assert sql_ids({"type": "consent", "channel": "email"}) == set()


# --- Groups.


def test_all_gives_the_first_failing_reason_and_stops_there():
    event_count = counting(5)
    condition = {"all": [attr("plan", "eq", "pro"), {"type": "event", "event": "Order Completed"}]}
    assert evaluate(condition, view(attributes={"plan": "free"}), event_count, NOW) == (
        False,
        "plan is 'free' (needs = 'pro')",
    )
    assert event_count.calls == []  # the event history was not needed


def test_all_joins_the_reasons_when_everything_holds():
    condition = {"all": [attr("plan", "eq", "pro"), {"type": "consent", "channel": "email"}]}
    customer = view(attributes={"plan": "pro"}, consent={"email": True})
    assert evaluate(condition, customer, no_events, NOW) == (True, "plan = 'pro' and consented to email")


def test_any_gives_the_first_matching_reason():
    condition = {"any": [attr("plan", "eq", "pro"), attr("seats", "gte", 10)]}
    assert evaluate(condition, view(attributes={"seats": 12}), no_events, NOW) == (True, "seats ≥ 10")
    assert evaluate(condition, view(), no_events, NOW) == (
        False,
        "plan is not set (needs = 'pro') and seats is not set (needs ≥ 10)",
    )


def test_not_inverts_and_explains():
    condition = {"not": attr("plan", "eq", "pro")}
    assert evaluate(condition, view(attributes={"plan": "free"}), no_events, NOW) == (True, "not (plan = 'pro')")
    assert evaluate(condition, view(attributes={"plan": "pro"}), no_events, NOW) == (False, "plan = 'pro'")


def test_groups_mean_the_same_in_sql(db):
    pro = Customer.objects.create(attributes={"plan": "pro"}, consent={"email": True})
    free = Customer.objects.create(attributes={"plan": "free"}, consent={"email": True})
    silent = Customer.objects.create(attributes={"plan": "pro"})
    consenting_pro = {"all": [attr("plan", "eq", "pro"), {"type": "consent", "channel": "email"}]}
    assert sql_ids(consenting_pro) == {pro.id}
    assert sql_ids({"not": consenting_pro}) == {free.id, silent.id}
    assert sql_ids({"any": [attr("plan", "eq", "free"), {"not": {"type": "consent", "channel": "email"}}]}) == {
        free.id,
        silent.id,
    }


def test_a_long_reason_is_cut_to_fit_the_step_log():
    condition = {"all": [attr(f"attribute_{i}", "exists") for i in range(40)]}
    attributes = {f"attribute_{i}": i for i in range(40)}
    matched, reason = evaluate(condition, view(attributes=attributes), no_events, NOW)
    assert matched
    assert len(reason) == 300
    assert reason.endswith("…")


def test_describe_condition_reads_as_a_sentence():
    condition = {
        "any": [
            {"all": [attr("plan", "eq", "pro"), {"type": "consent", "channel": "email"}]},
            {"type": "event", "event": "Order Completed", "min_count": 3, "within_days": 30, "filters": []},
        ]
    }
    assert describe_condition(condition) == (
        "(plan = 'pro' and consented to email) or did Order Completed at least 3 times in 30 days"
    )


# --- Event leaves in SQL.


@pytest.fixture
def source(db):
    return make_source()


def add_events(source, customer, *events):
    Event.objects.bulk_create(
        Event(
            source=source,
            customer=customer,
            type="track",
            name=name,
            properties=properties,
            message_id=f"m-{customer.id}-{i}",
            timestamp=timestamp,
            received_at=timestamp,
        )
        for i, (name, properties, timestamp) in enumerate(events)
    )


def test_event_leaves_count_in_the_window_in_sql(source):
    buyer = Customer.objects.create()
    old_buyer = Customer.objects.create()
    add_events(
        source,
        buyer,
        *[("Order Completed", {"total": 80}, NOW - timedelta(days=d)) for d in (1, 2, 30)],
        ("Order Completed", {"total": 10}, NOW - timedelta(days=3)),
    )
    add_events(source, old_buyer, *[("Order Completed", {"total": 80}, NOW - timedelta(days=40)) for _ in range(5)])
    three_recent = {"type": "event", "event": "Order Completed", "min_count": 3, "within_days": 30}
    assert sql_ids(three_recent) == {buyer.id}  # the boundary (exactly 30 days ago) counts
    big = {**three_recent, "filters": [{"property": "total", "op": "gt", "value": 50}]}
    assert sql_ids(big) == {buyer.id}
    assert sql_ids({**big, "min_count": 4}) == set()
    assert sql_ids({"type": "event", "event": "Order Completed", "min_count": 5}) == {old_buyer.id}
    at_most_one = {"type": "event", "event": "Order Completed", "min_count": 0, "max_count": 1, "within_days": 30}
    everyone_else = Customer.objects.create()
    assert sql_ids(at_most_one) == {old_buyer.id, everyone_else.id}


def test_values_are_parameters_never_sql(db):
    customer = Customer.objects.create(attributes={"x'); DROP TABLE journeys_customer; --": "y'"})
    condition = attr("x'); DROP TABLE journeys_customer; --", "eq", "y'")
    sql, _params = condition_sql(condition, NOW)
    assert "DROP" not in sql
    assert sql_ids(condition) == {customer.id}


# --- The serializer.


def test_the_serializer_accepts_a_tree_and_fills_defaults():
    tree, errors = validate(
        {
            "all": [
                {"type": "attribute", "attribute": "plan", "value": "pro"},
                {"not": {"type": "event", "event": "Order Completed", "within_days": 30}},
                {
                    "any": [
                        {"type": "consent", "channel": "email"},
                        {"type": "attribute", "attribute": "x", "op": "exists"},
                    ]
                },
            ]
        }
    )
    assert errors == []
    assert tree["all"][0] == {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
    assert tree["all"][1]["not"] == {
        "type": "event",
        "event": "Order Completed",
        "min_count": 1,
        "max_count": None,
        "within_days": 30,
        "filters": [],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("plan = pro", "a condition must be an object, not text"),
        ({}, 'a condition needs a "type" (attribute, event or consent) or is a group (all, any, not)'),
        ({"type": "segment"}, "type: must be one of attribute, event, consent, not 'segment'"),
        ({"all": []}, "all: needs at least one condition"),
        ({"all": {"type": "consent"}}, "all: must be a list of conditions, not an object"),
        ({"all": [], "any": []}, "a group has one key: 'all' cannot be combined with 'any'"),
        (
            {"all": [attr("plan", "eq", "pro"), {"type": "attribute", "attribute": "plan", "op": "like", "value": 1}]},
            "all[1].op: must be one of eq, neq, contains, gt, gte, lt, lte, exists, not_exists, not 'like'",
        ),
        (
            {"not": {"type": "attribute", "attribute": "plan"}},
            "not.value: eq needs a value (to match a missing value use not_exists)",
        ),
        (attr("plan", "neq"), "value: neq needs a value (use exists)"),
        (attr("tags", "gt", [1]), "value: gt compares numbers or text, not a list"),
        (attr("a..b", "exists"), "attribute: 'a..b' is not a valid name (dots separate parts)"),
        (attr("plan", "eq", "a\x00"), "value: must not contain NUL characters"),
        ({"type": "consent", "channel": "fax"}, "channel: must be one of email, sms, push, in_app, not 'fax'"),
        ({"type": "consent", "channel": "sms", "granted": True}, "unknown key 'granted'"),
        ({"type": "event", "event": ""}, "event: needs an event name"),
        ({"type": "event", "event": "X", "min_count": 3, "max_count": 2}, "max_count: is less than min_count (3)"),
        ({"type": "event", "event": "X", "min_count": 0}, "min_count: 0 with no max_count matches everyone"),
        ({"type": "event", "event": "X", "min_count": True}, "min_count: must be a whole number from 0 to 1000000"),
        (
            {"type": "event", "event": "X", "within_days": 0},
            "within_days: must be a whole number of days from 1 to 3650",
        ),
        (
            {"any": [{"type": "event", "event": "X", "filters": [{"property": "total", "op": "gt"}]}]},
            "any[0].filters[0].value: gt needs a value",
        ),
    ],
)
def test_serializer_errors_name_the_path(data, message):
    tree, errors = validate(data)
    assert tree is None
    assert message in errors


def test_groups_nest_at_most_five_deep():
    leaf = attr("plan", "exists")
    five = {"all": [{"any": [{"all": [{"any": [{"not": leaf}]}]}]}]}
    assert validate(five)[1] == []
    six = {"not": five}
    assert validate(six)[1] == ["not.all[0].any[0].all[0].any[0]: groups nest at most 5 deep"]


def test_a_condition_has_at_most_fifty_leaves():
    assert validate({"any": [attr(f"a{i}", "exists") for i in range(50)]})[1] == []
    assert validate({"any": [attr(f"a{i}", "exists") for i in range(51)]})[1] == ["has 51 conditions; at most 50"]


def test_a_value_left_from_another_operator_is_dropped_for_exists():
    tree, errors = validate({"type": "attribute", "attribute": "plan", "op": "exists", "value": "pro"})
    assert errors == []
    assert tree == {"type": "attribute", "attribute": "plan", "op": "exists"}


# --- The cross-check: Python and PostgreSQL select exactly the same customers.

VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2,
    3,
    10,
    1.0,
    2.5,
    -0.5,
    0.1,
    1e23,
    10**23,
    10**23 - 1,
    [1e23],
    "",
    "pro",
    "Pro",
    "free",
    "a",
    "ab",
    "b",
    "B",
    "é",
    "z",
    "10",
    "2",
    "true",
    "null",
    "😀",
    "ß",
    "pro plan",
    [],
    [1],
    [1, 2],
    [1.0, 2],
    [True],
    [None],
    ["pro", "free"],
    ["vip", "ab"],
    [[1]],
    [{"a": 1}],
    [{"a": 1, "b": 2}],
    {},
    {"a": 1},
    {"a": True},
    {"a": 1.0},
    {"b": {"c": 2}},
]
ATTRIBUTE_KEYS = ["plan", "score", "tags", "flag", "address", "nested", "email"]
PATHS = [*ATTRIBUTE_KEYS, "address.city", "address.zip", "nested.b.c", "tags.0", "missing", "phone", "timezone"]
PATHS += ["external_id", "nested.b"]
EVENT_NAMES = ["Order Completed", "Page Viewed", "order completed"]
PROPERTY_KEYS = ["total", "sku", "items", "meta", "meta.kind"]
CHANNELS = ["email", "sms", "push", "in_app"]


def random_value(rng: random.Random, depth: int = 0):
    if depth < 2 and rng.random() < 0.15:
        return {rng.choice(["city", "zip", "b", "c", "kind"]): random_value(rng, depth + 1) for _ in range(2)}
    return rng.choice(VALUES)


def random_customer(rng: random.Random) -> Customer:
    attributes = {key: random_value(rng) for key in ATTRIBUTE_KEYS if rng.random() < 0.7}
    return Customer(
        external_id=rng.choice([None, None, f"user-{rng.randrange(10**9)}"]),
        email=rng.choice(["", "ann@example.com", "bob@test.org"]),
        phone=rng.choice(["", "+33 6 12 34 56 78"]),
        timezone=rng.choice(["", "Europe/Paris", "UTC"]),
        attributes=attributes,
        consent={channel: rng.choice([True, False]) for channel in CHANNELS if rng.random() < 0.5},
    )


def random_properties(rng: random.Random) -> dict:
    properties = {key: random_value(rng) for key in ["total", "sku", "items"] if rng.random() < 0.7}
    if rng.random() < 0.4:
        properties["meta"] = {"kind": random_value(rng)}
    return properties


def random_filter(rng: random.Random) -> dict:
    return {"property": rng.choice(PROPERTY_KEYS), "op": rng.choice(FILTER_OPERATORS), "value": rng.choice(VALUES)}


def random_condition(rng: random.Random, depth: int = 0) -> dict:
    if depth < 3 and rng.random() < 0.35:
        group = rng.choice(["all", "any", "not"])
        if group == "not":
            return {"not": random_condition(rng, depth + 1)}
        return {group: [random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    kind = rng.choices(["attribute", "event", "consent"], weights=[6, 3, 1])[0]
    if kind == "attribute":
        leaf = {"type": "attribute", "attribute": rng.choice(PATHS), "op": rng.choice(FILTER_OPERATORS)}
        if rng.random() < 0.95:
            leaf["value"] = random_value(rng)
        return leaf
    if kind == "event":
        low = rng.choice([0, 1, 1, 2, 3])
        return {
            "type": "event",
            "event": rng.choice(EVENT_NAMES),
            "min_count": low,
            "max_count": rng.choice([None, None, low, low + 1, low + 2]),
            "within_days": rng.choice([None, 1, 7, 30]),
            "filters": [random_filter(rng) for _ in range(rng.choice([0, 0, 1, 2]))],
        }
    return {"type": "consent", "channel": rng.choice(CHANNELS)}


def test_python_and_sql_select_the_same_customers(source):
    rng = random.Random(20250615)
    customers = Customer.objects.bulk_create([random_customer(rng) for _ in range(150)])
    events = []
    for customer in customers:
        for i in range(rng.choice([0, 0, 1, 2, 4, 6])):
            # Whole days hit the window's boundary exactly; the future and the far past bracket it.
            timestamp = NOW - timedelta(days=rng.choice([-1, 0, 1, 6.5, 7, 29, 30, 31, 60]))
            events.append(
                Event(
                    source=source,
                    customer=customer,
                    type="track",
                    name=rng.choice(EVENT_NAMES),
                    properties=random_properties(rng),
                    message_id=f"x-{customer.id}-{i}",
                    timestamp=timestamp,
                    received_at=timestamp,
                )
            )
    Event.objects.bulk_create(events)
    history: dict[int, list[Event]] = {}
    for event in events:
        history.setdefault(event.customer_id, []).append(event)

    def event_count_for(customer_id):
        def event_count(name, since, filters):
            return sum(
                1
                for e in history.get(customer_id, [])
                if e.name == name and (since is None or e.timestamp >= since) and filters_match(filters, e.properties)
            )

        return event_count

    views = [
        CustomerView(
            id=c.id,
            external_id=c.external_id,
            email=c.email,
            phone=c.phone,
            timezone=c.timezone,
            attributes=c.attributes,
            consent=c.consent,
        )
        for c in customers
    ]
    selected_sizes = []
    for _ in range(400):
        condition = random_condition(rng)
        in_python = {v.id for v in views if evaluate(condition, v, event_count_for(v.id), NOW)[0]}
        assert sql_ids(condition) == in_python, condition
        selected_sizes.append(len(in_python))
    # The generated conditions are neither all empty nor all full, so the check means something.
    assert sum(0 < size < len(customers) for size in selected_sizes) > 150
