"""Each customer's features (and, for training, outcome) from their history, set-based.

One statement per batch of customers: a GROUP BY over their events in the longest window, every
count a `FILTER` aggregate, every column a float8 that is never NULL (NaN stands for "never" or
"not set"), sent with a binary COPY. Every row then has the same length, so numpy reads the whole
batch in one `frombuffer` without touching a Python object per value.
"""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import numpy as np
import psycopg
from django.db import connection

from journeys.conditions import condition_sql, filters_sql
from journeys.models.customers import CHANNELS
from journeys.predictions import spec as specs

BATCH_IDS = 100_000  # customer ids per statement: ~100 MB of events joined at 20 events each
ENGAGEMENT_PREFIXES = ("Email ", "SMS ", "Push ", "In-App ", "In App ", "Message ")
_HEADER = 19  # PGCOPY signature (11 bytes), flags (4), header extension length (4)


def _literal_sql(query: str, params: list) -> str:
    """The query with its parameters quoted in: COPY takes no server-side parameters."""
    connection.ensure_connection()
    return psycopg.ClientCursor(connection.connection).mogrify(query, params)


def choose_spec(*, at: datetime, target_event: str, population_where: str = "true") -> dict:
    """The features worth building for this population: frequent event names and useful attributes.

    Names and attributes come from a sample, so choosing costs the same on a million customers as
    on a thousand; the target event always has its own counts.
    """
    window = max(specs.WINDOWS)
    population_where = population_where.replace("%", "%%")  # the sample query below has parameters
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ev.name, count(*) FROM journeys_event ev TABLESAMPLE SYSTEM (%s)"
            " WHERE ev.type = 'track' AND ev.timestamp >= %s AND ev.timestamp < %s"
            " GROUP BY ev.name ORDER BY count(*) DESC, ev.name LIMIT %s",
            [_sample_percent("journeys_event"), at - timedelta(days=window), at, specs.MAX_EVENTS * 3],
        )
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT c.attributes FROM journeys_customer c TABLESAMPLE SYSTEM (%s) WHERE {population_where} LIMIT 5000",
            [_sample_percent("journeys_customer")],
        )
        samples = [row[0] if isinstance(row[0], dict) else {} for row in cursor.fetchall()]
    engagement = sorted(n for n in names if n.startswith(ENGAGEMENT_PREFIXES))
    events = [target_event] + [n for n in names if n != target_event and n not in engagement]
    numeric, categorical = _attribute_kinds(samples)
    return {
        "windows": list(specs.WINDOWS),
        "events": events[: specs.MAX_EVENTS],
        "engagement": engagement,
        "channels": list(CHANNELS),
        "numeric": numeric,
        "categorical": categorical,
    }


def _sample_percent(table: str) -> float:
    """A TABLESAMPLE percentage that reads about 200,000 rows (all of a small table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    rows = row[0] if row and row[0] and row[0] > 0 else 0
    return 100.0 if rows <= 200_000 else max(0.5, 100.0 * 200_000 / rows)


def _attribute_kinds(samples: list[dict]) -> tuple[list[str], dict[str, list[str]]]:
    """Top-level attributes set on at least 5 % of the sample: numbers, and text with few values."""
    if not samples:
        return [], {}
    seen: dict[str, dict] = {}
    for attributes in samples:
        for key, value in attributes.items():
            entry = seen.setdefault(key, {"count": 0, "numbers": 0, "texts": {}})
            entry["count"] += 1
            if isinstance(value, int | float) and not isinstance(value, bool):
                entry["numbers"] += 1
            elif isinstance(value, str) and len(entry["texts"]) <= specs.MAX_CATEGORIES:
                entry["texts"][value] = entry["texts"].get(value, 0) + 1
    common = sorted((k for k, e in seen.items() if e["count"] >= 0.05 * len(samples) and len(k) <= 200), key=str)
    numeric = [k for k in common if seen[k]["numbers"] >= 0.9 * seen[k]["count"]][: specs.MAX_NUMERIC]
    categorical = {}
    for key in common:
        texts = seen[key]["texts"]
        if key not in numeric and texts and len(texts) <= specs.MAX_CATEGORIES:
            categorical[key] = sorted(texts, key=lambda v: (-texts[v], v))
        if len(categorical) >= specs.MAX_CATEGORICAL:
            break
    return numeric, categorical


def features_query(spec: dict, *, at: datetime, where: str = "true", target: dict | None = None) -> str:
    """SELECT of the customer id, then every feature of `spec` at `at`, then (with `target`) the outcome.

    `where` (SQL without parameters) narrows the customers (`c` is journeys_customer). `target` is
    {"event", "filters", "days", "negate"}: the last column is 1 when the customer's outcome after
    `at` came true. Values are quoted into the text (by psycopg), since COPY takes no parameters.
    """
    window = max(spec["windows"])

    def p(value, cast: str) -> str:
        return f"{_literal_sql('%s', [value])}::{cast}"

    at_sql = p(at, "timestamptz")

    def since(days: int) -> str:
        return f"ev.timestamp >= {at_sql} - {int(days)} * interval '1 day'"

    def days_since(expression: str) -> str:
        return f"COALESCE(EXTRACT(EPOCH FROM ({at_sql} - {expression}))::float8 / 86400, 'NaN')"

    columns = [
        "c.id::float8",
        days_since("max(ev.timestamp)"),
        days_since("LEAST(c.created_at, min(ev.timestamp))"),
    ]
    columns += [f"(count(ev.timestamp) FILTER (WHERE {since(w)}))::float8" for w in spec["windows"]]
    for name in spec["events"]:
        name_sql = p(name, "text")
        columns += [f"(count(*) FILTER (WHERE ev.name = {name_sql} AND {since(w)}))::float8" for w in spec["windows"]]
        columns.append(days_since(f"max(ev.timestamp) FILTER (WHERE ev.name = {name_sql})"))
    engagement = p(list(spec["engagement"]), "text[]")
    columns += [
        f"(count(*) FILTER (WHERE ev.name = ANY({engagement}) AND {since(w)}))::float8" for w in spec["windows"]
    ]
    columns += [
        f"(CASE WHEN (c.consent -> {p(ch, 'text')}) = 'true'::jsonb THEN 1 ELSE 0 END)::float8"
        for ch in spec["channels"]
    ]
    for key in spec["numeric"]:
        value = f"(c.attributes -> {p(key, 'text')})"
        # Clamped: jsonb numbers go beyond float8, and one huge value must not fail a batch.
        columns.append(
            f"COALESCE(CASE WHEN jsonb_typeof({value}) = 'number'"
            f" THEN LEAST(GREATEST(({value})::numeric, -1e300), 1e300)::float8 END, 'NaN')"
        )
    for key, values in spec["categorical"].items():
        text = f"(c.attributes ->> {p(key, 'text')})"
        codes = p(list(values), "text[]")
        columns.append(f"COALESCE((array_position({codes}, {text}) - 1)::float8, 'NaN')")
    if target is not None:
        match = filters_sql(target.get("filters") or [], "t.properties")
        happened = (
            "EXISTS (SELECT 1 FROM journeys_event t WHERE t.customer_id = c.id"
            f" AND t.name = {p(target['event'], 'text')}"
            f" AND t.timestamp > {at_sql} AND t.timestamp <= {at_sql} + {int(target['days'])} * interval '1 day'"
            f" AND {_literal_sql(match.text, match.params)})"
        )
        columns.append(f"(CASE WHEN {'NOT ' if target.get('negate') else ''}{happened} THEN 1 ELSE 0 END)::float8")
    query = (
        f"SELECT {', '.join(columns)} FROM journeys_customer c"
        f" LEFT JOIN journeys_event ev ON ev.customer_id = c.id AND ev.timestamp < {at_sql}"
        f" AND ev.timestamp >= {at_sql} - {int(window)} * interval '1 day'"
        f" WHERE c.created_at < {at_sql} AND ({where}) GROUP BY c.id"
    )
    return query


def read_matrix(query: str, columns: int) -> np.ndarray:
    """Rows of `columns` float8 values (never NULL) from a binary COPY of the query, as one array."""
    statement = f"COPY ({query}) TO STDOUT (FORMAT binary)"
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor, cursor.copy(statement) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    body = np.frombuffer(data, dtype=np.uint8, offset=_HEADER, count=len(data) - _HEADER - 2)
    dtype = np.dtype([("n", ">i2"), *[item for i in range(columns) for item in ((f"l{i}", ">i4"), (f"v{i}", ">f8"))]])
    rows = np.frombuffer(body.tobytes(), dtype=dtype)
    if len(rows) and (rows["n"] != columns).any():
        raise ValueError("the features query returned a different number of columns than its spec")
    return (
        np.column_stack([rows[f"v{i}"].astype(np.float64) for i in range(columns)])
        if len(rows)
        else np.empty((0, columns))
    )


def population_where(population: dict | None, at: datetime) -> str:
    """The population condition as SQL on `c` with its values quoted in, decided at `at` (or everyone)."""
    if not population:
        return "true"
    return _literal_sql(*condition_sql(population, at))


def feature_batches(
    spec: dict,
    *,
    at: datetime,
    population: dict | None,
    target: dict | None = None,
    extra_where: str = "true",
    progress: Callable[[float], None] | None = None,
) -> Iterator[np.ndarray]:
    """The population's feature rows in batches of customer ids: [id, features..., (outcome)]."""
    where = population_where(population, at)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM journeys_customer")
        low, high = cursor.fetchone()
    if low is None:
        return
    columns = 1 + len(specs.feature_names(spec)) + (1 if target is not None else 0)
    for start in range(low, high + 1, BATCH_IDS):
        batch_where = f"c.id >= {int(start)} AND c.id < {int(start + BATCH_IDS)} AND ({where}) AND ({extra_where})"
        yield read_matrix(features_query(spec, at=at, where=batch_where, target=target), columns)
        if progress:
            progress(min(1.0, (start + BATCH_IDS - low) / (high - low + 1)))
