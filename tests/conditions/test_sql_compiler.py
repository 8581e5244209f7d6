"""The SQL compiler against the Python meaning: each operator, each leaf, and random trees."""

import random
from datetime import timedelta

import pytest

from journeys.conditions import FILTER_OPERATORS, condition_sql, evaluate, filters_match
from journeys.models import Customer, Event
from journeys.nodes.base import CustomerView
from tests.conditions.helpers import NOW, OPERATOR_CASES, add_events, attr, sql_ids


@pytest.mark.parametrize(("attributes", "op", "value", "expected"), OPERATOR_CASES)
def test_each_operator_means_the_same_in_sql(db, attributes, op, value, expected):
    customer = Customer.objects.create(attributes=attributes)
    name = next(iter(attributes), "plan")
    condition = {"type": "attribute", "attribute": name, "op": op, "value": value}
    assert (customer.id in sql_ids(condition)) is expected


def test_a_dotted_path_does_not_index_into_lists_in_sql(db):
    customer = Customer.objects.create(attributes={"tags": ["a"], "address": {"city": "Paris"}})
    assert customer.id not in sql_ids(attr("tags.0", "eq", "a"))
    assert customer.id in sql_ids(attr("address.city", "eq", "Paris"))
    assert customer.id in sql_ids(attr("tags.0", "not_exists"))


def test_profile_fields_mean_the_same_in_sql(db):
    ann = Customer.objects.create(external_id="u1", email="ann@example.com", attributes={"phone": "+331"})
    bob = Customer.objects.create(email="", phone="+44 1")
    assert sql_ids(attr("email", "exists")) == {ann.id}
    assert sql_ids(attr("phone", "exists")) == {bob.id}
    assert sql_ids(attr("external_id", "eq", "u1")) == {ann.id}
    assert sql_ids(attr("email", "contains", "@example")) == {ann.id}


def test_consent_means_the_same_in_sql(db):
    yes = Customer.objects.create(consent={"sms": True, "email": False})
    Customer.objects.create(consent={"sms": False})
    Customer.objects.create(consent={})
    assert sql_ids({"type": "consent", "channel": "sms"}) == {yes.id}
    assert sql_ids({"type": "consent", "channel": "email"}) == set()


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


# --- Event leaves in SQL.


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
