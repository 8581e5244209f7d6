"""Conditions compiled to SQL, to select a whole audience (or match events) in one statement.

Every function here means the same as its counterpart in `evaluation`, on every JSON value;
tests/conditions/test_sql_compiler.py checks the two against each other.
"""

import json
from datetime import datetime

from journeys.conditions.evaluation import exact_number, top_percent_threshold, window_start
from journeys.conditions.schema import PROFILE_FIELDS, is_number
from journeys.consent_policy import OPT_OUT, mode_of

# Profile fields as jsonb, blank meaning not set (as customer_value does). Fixed SQL, no input.
_PROFILE_SQL = {name: f"to_jsonb(NULLIF(c.{name}, ''))" for name in PROFILE_FIELDS}


class _Sql:
    """SQL text and its parameters, built together so the placeholders and values stay in step."""

    def __init__(self, text: str = "", params=()):
        self.text = text
        self.params = list(params)

    def __add__(self, other):
        other = other if isinstance(other, _Sql) else _Sql(other)
        return _Sql(self.text + other.text, self.params + other.params)

    def __radd__(self, other):
        return _Sql(other) + self


def _param(value, cast: str) -> _Sql:
    return _Sql(f"%s::{cast}", [value])


def _join_sql(parts: list[_Sql], separator: str) -> _Sql:
    result = _Sql()
    for i, part in enumerate(parts):
        result = result + (separator if i else "") + part
    return result


_TRUE, _FALSE = _Sql("true"), _Sql("false")
_JOINERS = {"all": " AND ", "any": " OR "}


def json_path_sql(column: str, path: str) -> _Sql:
    """The jsonb value at a dotted path in `column`; SQL NULL when missing.

    `-> text` is used step by step rather than `#>`, because `#>` also indexes arrays
    ("tags.0") while `lookup` only walks objects; `-> text` on anything but an object is NULL.
    """
    sql = _Sql(column)
    for part in path.split("."):
        sql = "(" + sql + " -> " + _param(part, "text") + ")"
    return sql


def compare_sql(value: _Sql, op: str, expected) -> _Sql:
    """A boolean SQL expression (never NULL) meaning `compare(value, op, expected)`.

    `value` is a jsonb expression that is SQL NULL when the key is missing. CASE guards the
    casts and array functions: PostgreSQL does not promise to evaluate AND left to right.
    """
    kind = "jsonb_typeof(" + value + ")"
    if op in ("exists", "not_exists"):
        return "(COALESCE(" + kind + f", 'null') {'<>' if op == 'exists' else '='} 'null')"
    if op == "neq":
        return "(NOT " + compare_sql(value, "eq", expected) + ")"
    if expected is None and op != "contains":
        return _FALSE  # compare: nothing present equals null or is ordered against it
    if op == "eq":
        return "COALESCE(" + value + " = " + _param(_json_param(expected), "jsonb") + ", false)"
    if op == "contains":
        member = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements("
            + value
            + ") AS el(value) WHERE el.value = "
            + _param(_json_param(expected), "jsonb")
            + ")"
        )
        if isinstance(expected, str):
            substring = "strpos(" + value + " #>> '{}', " + _param(expected, "text") + ") > 0"
            cases = " WHEN 'string' THEN " + substring + " WHEN 'array' THEN " + member
            return "(CASE " + kind + cases + " ELSE false END)"
        return "(CASE WHEN " + kind + " = 'array' THEN " + member + " ELSE false END)"
    symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    if is_number(expected):
        test = "(" + value + f")::numeric {symbol} " + _param(exact_number(expected), "numeric")
        return "(CASE WHEN " + kind + " = 'number' THEN " + test + " ELSE false END)"
    if isinstance(expected, str):
        # The C collation orders UTF-8 text by code point, as Python orders str.
        test = "(" + value + f" #>> '{{}}') COLLATE \"C\" {symbol} " + _param(expected, "text")
        return "(CASE WHEN " + kind + " = 'string' THEN " + test + " ELSE false END)"
    return _FALSE


def _json_param(value) -> str:
    # allow_nan=False: jsonb has no NaN or Infinity; the serializers reject them before this.
    return json.dumps(value, allow_nan=False)


def filters_sql(filters: list[dict], properties: str = "ev.properties") -> _Sql:
    """SQL meaning `filters_match(filters, <properties>)`, for a jsonb column expression."""
    if not filters:
        return _TRUE
    parts = [compare_sql(json_path_sql(properties, f["property"]), f["op"], f.get("value")) for f in filters]
    return "(" + _join_sql(parts, " AND ") + ")"


def _event_sql(node: dict, now: datetime) -> _Sql:
    low, high = node.get("min_count", 1), node.get("max_count")
    where = _Sql("ev.customer_id = c.id AND ev.name = ") + _param(node["event"], "text")
    since = window_start(node, now)
    if since is not None:
        where = where + " AND ev.timestamp >= " + _param(since, "timestamptz")
    where = where + " AND " + filters_sql(node.get("filters") or [])
    events = "SELECT 1 FROM journeys_event ev WHERE " + where
    if high is None and low <= 1:
        return _TRUE if low == 0 else "EXISTS (" + events + ")"
    # Counting stops one past what matters, so a heavy customer costs no more than a light one.
    enough = max(low, high + 1 if high is not None else 0)
    count = "(SELECT count(*) FROM (" + events + " LIMIT " + _param(enough, "bigint") + ") AS counted)"
    if high is None:
        return "(" + count + " >= " + _param(low, "bigint") + ")"
    if low == 0:
        return "(" + count + " <= " + _param(high, "bigint") + ")"
    # BETWEEN names the subquery once, so it runs once.
    return "(" + count + " BETWEEN " + _param(low, "bigint") + " AND " + _param(high, "bigint") + ")"


def _prediction_sql(node: dict) -> _Sql:
    # No score row (not scored yet, outside the population) is false, as in evaluation.
    where = _Sql("ps.prediction_id = ") + _param(node["prediction"], "bigint") + " AND ps.customer_id = c.id AND "
    if node.get("top_percent") is not None:
        where = where + "ps.percentile >= " + _param(top_percent_threshold(node["top_percent"]), "float8")
    else:
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[node["op"]]
        where = where + f"ps.score {symbol} " + _param(float(node["value"]), "float8")
    return "EXISTS (SELECT 1 FROM journeys_predictionscore ps WHERE " + where + ")"


def _condition_sql(node: dict, now: datetime) -> _Sql:
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if not node[key]:
            return _TRUE if key == "all" else _FALSE
        return "(" + _join_sql([_condition_sql(child, now) for child in node[key]], _JOINERS[key]) + ")"
    if "not" in node:
        return "(NOT " + _condition_sql(node["not"], now) + ")"
    if node["type"] == "attribute":
        name = node["attribute"]
        value = _Sql(_PROFILE_SQL[name]) if name in PROFILE_FIELDS else json_path_sql("c.attributes", name)
        return compare_sql(value, node.get("op", "eq"), node.get("value"))
    if node["type"] == "event":
        return _event_sql(node, now)
    if node["type"] == "prediction":
        return _prediction_sql(node)
    return _consent_sql(node["channel"])


def _consent_sql(channel: str) -> _Sql:
    # As consent_policy.allows: subscribed (or the legacy true) always; not asked only under opt_out.
    # ->> reads both spellings as text: 'true'/'subscribed', 'false'/'unsubscribed', NULL when absent.
    state = "(c.consent ->> " + _param(channel, "text") + ")"
    if mode_of(channel) == OPT_OUT:
        return "(" + state + " IS NULL OR " + state + " NOT IN ('false', 'unsubscribed'))"
    return "COALESCE(" + state + " IN ('true', 'subscribed'), false)"


def condition_sql(condition: dict, now: datetime) -> tuple[str, list]:
    """A boolean SQL expression meaning `evaluate(condition, ...)` for the customer row `c`.

    `c` is `journeys_customer`; event leaves count rows of `journeys_event` (ev.timestamp >=
    now - within_days, no upper bound, as `event_count` counts). Every value the marketer typed
    (attribute names included) is a %s parameter; the expression is never NULL, so NOT works.
    """
    sql = _condition_sql(condition, now)
    return sql.text, sql.params
