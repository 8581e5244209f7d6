"""Customers whose chance of ordering in the 30 days after a cut-off is planted, and known.

Each customer gets a plan, an age, email consent and a taste for browsing and buying; their
history over the 90 days before `cutoff` is drawn from that. Whether they order in the 30 days
after `cutoff` is then drawn with a probability that is an exact, known function of what their
history and profile show at `cutoff` (`true_probability`): order and view counts in windows,
days since their last activity, email engagement, plan and age. A model can learn it from the
history alone, so the AUC of the planted probabilities on the same customers (`auc_limit`) is
the best any model can reach, and a model's AUC is measured against it.

Rows are written with COPY straight into journeys_customer and journeys_event, in chunks, so a
million customers with twenty million events fit in memory and in minutes. The number of events
asked for is the number written: the outcome window's browsing, which the planted probability
does not depend on, is drawn last and makes up the difference.
"""

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

ORDER_EVENT = "Order Completed"
NAMES = ("Page Viewed", "Product Viewed", ORDER_EVENT, "Email Opened", "Cart Updated")
PAGE, PRODUCT, ORDER, EMAIL_OPENED, CART = range(len(NAMES))
HISTORY_DAYS = 90
OUTCOME_DAYS = 30


@dataclass
class Planted:
    """What was generated: customer ids, the planted probability of ordering after `cutoff`, the outcome drawn."""

    customer_ids: np.ndarray
    probability: np.ndarray
    ordered: np.ndarray
    cutoff: datetime
    events: int


def true_probability(
    *, orders_30d, views_7d, days_since_last, opened_30d, pro, age
) -> np.ndarray:  # fmt: skip
    """The planted chance of ordering within 30 days, from features as they stand at the cut-off."""
    recency = np.where(np.isnan(days_since_last), HISTORY_DAYS, days_since_last)
    logit = (
        -2.4
        + 1.1 * np.log1p(orders_30d)
        + 0.6 * np.log1p(views_7d)
        - 0.035 * recency
        + 0.5 * (opened_30d > 0)
        + 0.7 * pro
        - 0.02 * (age - 40)
    )
    return 1.0 / (1.0 + np.exp(-logit))


def generate_customers(
    *,
    customers: int,
    events_per_customer: float = 20.0,
    now: datetime,
    source_id: int,
    seed: int = 1,
    chunk: int = 100_000,
    progress=None,
    skip_foreign_key_checks: bool = False,
) -> Planted:
    """Write `customers` customers and `round(customers * events_per_customer)` events; return the truth.

    `now` is the end of the outcome window; the cut-off is 30 days before it. Ids continue after
    the largest customer id in the table. Uses Django's connection (the caller's database).

    `skip_foreign_key_checks` (superuser only; benchmarks) turns off the per-row foreign-key
    triggers while copying: the rows are consistent by construction, and checking each of twenty
    million events costs more than writing it.
    """
    from django.db import connection

    from journeys.retention.partitions import ensure_partitions
    from journeys.retention.tables import EVENTS

    rng = np.random.default_rng(seed)
    cutoff = now - timedelta(days=OUTCOME_DAYS)
    # The months the history spans, as a product that had been running would have them, rather
    # than all of it in the default partition.
    ensure_partitions(EVENTS, now=now, first=cutoff - timedelta(days=HISTORY_DAYS + 1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM journeys_customer")
        first_id = cursor.fetchone()[0] + 1
        if skip_foreign_key_checks:
            cursor.execute("SET session_replication_role = replica")
    ids_all, p_all, y_all = [], [], []
    events_written = 0
    for start in range(0, customers, chunk):
        size = min(chunk, customers - start)
        ids = np.arange(first_id + start, first_id + start + size, dtype=np.int64)
        # Each chunk's share of the total, rounded so that the chunks add up to it exactly.
        events = round(events_per_customer * (start + size)) - round(events_per_customer * start)
        p, y, written = _chunk(rng, ids, events, now, cutoff, source_id)
        ids_all.append(ids)
        p_all.append(p)
        y_all.append(y)
        events_written += written
        if progress:
            progress(start + size, events_written)
    with connection.cursor() as cursor:
        if skip_foreign_key_checks:
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('journeys_customer', 'id'), (SELECT max(id) FROM journeys_customer))"
        )
    return Planted(
        customer_ids=np.concatenate(ids_all),
        probability=np.concatenate(p_all),
        ordered=np.concatenate(y_all),
        cutoff=cutoff,
        events=events_written,
    )


def _chunk(rng, ids, events, now, cutoff, source_id):
    """Write one chunk of customers with `events` events in all (more only if their history alone has more)."""
    n = len(ids)
    pro = rng.random(n) < 0.3
    age = rng.integers(18, 71, n)
    consent = rng.random(n) < 0.6
    # Activity: how many events the customer makes in the history window (heavy-tailed). The
    # history takes 6/7 of the events and the outcome window's browsing about 1/7 (half the
    # history's daily rate over 30 of 90 days), the share it had when it was drawn per customer.
    activity = rng.lognormal(mean=0.0, sigma=0.8, size=n)
    activity *= events / n * (6 / 7) / activity.mean()
    counts = rng.poisson(activity)
    buyer = rng.beta(1.2, 8.0, n)  # share of a customer's events that are orders
    lapse = rng.exponential(20.0, n)  # days since the customer went quiet
    lapse = np.minimum(lapse, HISTORY_DAYS - 1)
    owner = np.repeat(np.arange(n), counts)
    total = len(owner)
    # Event names: orders by taste, email opens only with consent, the rest browsing.
    u = rng.random(total)
    name = np.where(u < buyer[owner], ORDER, np.where(u < buyer[owner] + 0.45, PAGE, PRODUCT))
    opens = (rng.random(total) < 0.12) & consent[owner]
    name = np.where(opens, EMAIL_OPENED, name)
    name = np.where((rng.random(total) < 0.08) & (name == PRODUCT), CART, name)
    # When: between the start of the history and the customer's lapse, skewed towards recent days.
    span = HISTORY_DAYS - lapse[owner]
    days_ago = lapse[owner] + span * rng.random(total) ** 1.5
    # Features at the cut-off, exactly as the product builds them, then the planted outcome.
    in_30 = days_ago < 30
    orders_30d = np.bincount(owner[(name == ORDER) & in_30], minlength=n)
    views_7d = np.bincount(owner[(name == PAGE) & (days_ago < 7)], minlength=n)
    opened_30d = np.bincount(owner[(name == EMAIL_OPENED) & in_30], minlength=n)
    last = np.full(n, np.nan)
    if total:
        minimum = np.full(n, np.inf)
        np.minimum.at(minimum, owner, days_ago)
        last = np.where(np.isfinite(minimum), minimum, np.nan)
    p = true_probability(
        orders_30d=orders_30d, views_7d=views_7d, days_since_last=last, opened_30d=opened_30d, pro=pro, age=age
    )
    ordered = rng.random(n) < p
    # The outcome window: the drawn order, and browsing that says nothing about it. The browsing
    # fills the chunk up to `events` exactly, shared by activity (a multinomial draw): it comes
    # after the cut-off, so the planted probability, a function of the history, is untouched.
    later_total = max(0, events - total - int(ordered.sum()))
    later = rng.multinomial(later_total, activity / activity.sum()) if n else np.zeros(0, dtype=np.int64)
    later_owner = np.repeat(np.arange(n), later)
    later_name = np.where(rng.random(len(later_owner)) < 0.7, PAGE, PRODUCT)
    order_owner = np.nonzero(ordered)[0]
    all_owner = np.concatenate([owner, later_owner, order_owner])
    all_name = np.concatenate([name, later_name, np.full(len(order_owner), ORDER)])
    # Seconds before the cut-off (positive) or after it (negative, the outcome window).
    seconds = np.concatenate(
        [
            days_ago * 86400,
            -rng.random(len(later_owner)) * OUTCOME_DAYS * 86400,
            -rng.random(len(order_owner)) * (OUTCOME_DAYS - 0.01) * 86400 - 60,
        ]
    ).astype(np.int64)
    created_days = HISTORY_DAYS + 30 + rng.random(n) * 200
    _write(ids, pro, age, consent, created_days, cutoff, all_owner, all_name, seconds, source_id, rng)
    return p, ordered, len(all_owner)


def _timestamps(base: datetime, seconds_before: np.ndarray) -> np.ndarray:
    epoch = np.datetime64(base.astimezone(UTC).replace(tzinfo=None), "s") - seconds_before.astype("timedelta64[s]")
    return np.char.add(np.datetime_as_string(epoch, unit="s"), "+00")


def _write(ids, pro, age, consent, created_days, cutoff, owner, name, seconds, source_id, rng):
    from django.db import connection

    created = _timestamps(cutoff, (created_days * 86400).astype(np.int64))
    customers = io.StringIO()
    for i, customer_id in enumerate(ids.tolist()):
        plan = "pro" if pro[i] else "free"
        email_consent = "true" if consent[i] else "false"
        customers.write(
            f"{customer_id}\tsynthetic-{customer_id}\tc{customer_id}@example.com\t\t\t"
            f'{{"plan": "{plan}", "age": {int(age[i])}}}\t{{"email": {email_consent}}}\t{created[i]}\t{created[i]}\n'
        )
    stamps = _timestamps(cutoff, seconds)
    totals = rng.integers(5, 300, len(owner))
    customer_of = ids[owner].tolist()
    events = io.StringIO()
    message = f"syn-{ids[0]}-"
    for i, (customer_id, code, stamp) in enumerate(zip(customer_of, name.tolist(), stamps.tolist(), strict=True)):
        properties = f'{{"total": {totals[i]}}}' if code == ORDER else "{}"
        events.write(
            f"{source_id}\t{customer_id}\ttrack\t{NAMES[code]}\t{properties}\t{{}}\t{message}{i}\t{stamp}\t{stamp}\n"
        )
    connection.ensure_connection()
    import psycopg

    with psycopg.Cursor(connection.connection) as cursor:
        with cursor.copy(
            "COPY journeys_customer (id, external_id, email, phone, timezone, attributes, consent, created_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            copy.write(customers.getvalue())
        with cursor.copy(
            "COPY journeys_event (source_id, customer_id, type, name, properties, context, message_id, timestamp,"
            " received_at) FROM STDIN"
        ) as copy:
            copy.write(events.getvalue())
