"""Who matches a condition, asked of PostgreSQL for many customers at once.

The SQL comes from `journeys.conditions.condition_sql`, which means the same as the Python
`evaluate` a condition node runs for one customer; `count_events` counts history the way
event leaves do, so the two paths cannot drift apart.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import connection

from journeys.conditions import condition_sql, filters_sql


def audience_customer_ids(
    condition: dict,
    *,
    now: datetime,
    customer_ids: list[int] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[int]:
    """The ids of customers matching `condition` at `now`, in ascending order.

    With `customer_ids`, only those are checked (customers whose events or profile changed).
    `after_id` and `limit` page through a large audience by id, so enrolling a million
    customers never holds a million ids in memory: pass the last id of a page as the next
    `after_id`.
    """
    if customer_ids is not None and not customer_ids:
        return []
    where, params = condition_sql(condition, now)
    query = f"SELECT c.id FROM journeys_customer c WHERE {where}"
    if customer_ids is not None:
        query += " AND c.id = ANY(%s::bigint[])"
        params.append(list(customer_ids))
    if after_id is not None:
        query += " AND c.id > %s"
        params.append(after_id)
    query += " ORDER BY c.id"
    if limit is not None:
        query += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [row[0] for row in cursor.fetchall()]


def count_events(*, customer_id: int, name: str, since: datetime | None, filters: list[dict]) -> int:
    """How many of the customer's events are called `name`, at or after `since`, matching `filters`.

    The same counting as an event leaf in `condition_sql` (no upper time bound, any event type).
    """
    query = "SELECT count(*) FROM journeys_event ev WHERE ev.customer_id = %s AND ev.name = %s"
    params: list = [customer_id, name]
    if since is not None:
        query += " AND ev.timestamp >= %s"
        params.append(since)
    match = filters_sql(filters)
    query += f" AND {match.text}"
    params += match.params
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def event_counter(customer_id: int) -> Callable[[str, datetime | None, list], int]:
    """An `event_count(name, since, filters)` for NodeContext, reading one customer's history."""

    def event_count(name: str, since: datetime | None, filters: list | tuple = ()) -> int:
        return count_events(customer_id=customer_id, name=name, since=since, filters=list(filters))

    return event_count
