"""Shared by the condition tests: customers as nodes see them, leaves, and what PostgreSQL selects."""

from datetime import UTC, datetime

from django.db import connection
from rest_framework.exceptions import ValidationError

from journeys.conditions import ConditionSerializer, condition_sql
from journeys.models import Event
from journeys.nodes.base import CustomerView

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


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
    try:
        return field.run_validation(data), []
    except ValidationError as error:
        return None, [str(message) for message in error.detail]


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


# One table of operator semantics, checked in Python (test_evaluation) and in PostgreSQL
# (test_sql_compiler).
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
