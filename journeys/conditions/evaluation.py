"""What conditions mean, decided in Python for one customer (or one event) at a time.

`compare` is the single definition of what each operator means; `sql_compiler` is written
(and cross-checked by tests) to agree with it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from journeys.conditions.descriptions import (
    OP_WORDS,
    describe_condition,
    describe_counts,
    describe_filter,
    describe_filters,
    describe_prediction,
    describe_window,
    is_compound,
    plural,
)
from journeys.conditions.schema import PROFILE_FIELDS, is_number
from journeys.consent_policy import allows as consent_allows
from journeys.models import Prediction, PredictionScore
from journeys.predictions.spec import describe_reasons

MISSING = object()


def lookup(data: dict, path: str):
    """The value at a dotted path in nested objects, or MISSING."""
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def exact_number(number):
    """A number as the decimal that JSON (and PostgreSQL's numeric) means by it.

    Python compares an int with a float by the float's binary value, PostgreSQL by the decimal
    written in JSON; they differ only beyond 2**53 (1e300 > 10**300 in Python), so mixed
    comparisons go through the decimal to mean what the SQL means.
    """
    return Decimal(repr(number)) if isinstance(number, float) else number


def _json_equal(a, b) -> bool:
    """Type-strict equality of JSON values: true is not 1, 1 is 1.0, also inside lists and objects."""
    if is_number(a) or is_number(b):
        if not (is_number(a) and is_number(b)):
            return False
        if type(a) is type(b):
            return a == b
        return exact_number(a) == exact_number(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def compare(actual, op: str, expected) -> bool:
    """The meaning of each operator; condition_sql must agree with it.

    Missing and null are "not set": only exists/not_exists/neq can be true for them. eq is
    type-strict (the text "1" is not the number 1, true is not 1). gt/gte/lt/lte compare
    numbers with numbers and text with text (by code point); anything else is false.
    contains is a substring test on text and a membership test (type-strict) on lists.
    """
    present = actual is not MISSING and actual is not None
    if op == "exists":
        return present
    if op == "not_exists":
        return not present
    if op == "neq":
        return not compare(actual, "eq", expected)
    if not present:
        return False
    if op == "eq":
        return _json_equal(actual, expected)
    if op == "contains":
        if isinstance(actual, str) and isinstance(expected, str):
            return expected in actual
        return isinstance(actual, list) and any(_json_equal(item, expected) for item in actual)
    if is_number(actual) and is_number(expected):
        if type(actual) is not type(expected):
            actual, expected = exact_number(actual), exact_number(expected)
    elif not (isinstance(actual, str) and isinstance(expected, str)):
        return False
    return {
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }[op]


def filters_match(filters: list[dict], properties: dict) -> bool:
    """True when every filter holds on the event's properties (no filters: always)."""
    return all(compare(lookup(properties, f["property"]), f["op"], f.get("value")) for f in filters)


# --- Conditions on customers.

MAX_REASON = 300  # a step's reason column holds 500 characters, with the node's words around it


def customer_value(customer, attribute: str):
    """The value a condition on `attribute` sees: a profile field or a dotted path in attributes.

    A blank profile field counts as not set, like a missing attribute.
    """
    if attribute in PROFILE_FIELDS:
        value = getattr(customer, attribute)
        return value if value else MISSING
    return lookup(customer.attributes, attribute)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def cap_reason(reason: str, limit: int = MAX_REASON) -> str:
    return reason if len(reason) <= limit else f"{reason[: limit - 1]}…"


def evaluate(condition: dict, customer, event_count: Callable[..., int], now: datetime) -> tuple[bool, str]:
    """Whether the condition holds for one customer, and a short reason why (or why not).

    `customer` is a CustomerView (or anything with its fields). `event_count(name=, since=,
    filters=)` (called by keyword) counts the customer's events called `name` with `timestamp >= since` (`since` is
    None for all time) whose properties match `filters`. Groups stop early, so an event
    history is only counted when it can change the answer.
    """
    matched, reason = _evaluate(condition, customer, event_count, now)
    return matched, cap_reason(reason)


def _evaluate(node: dict, customer, event_count, now) -> tuple[bool, str]:
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        reasons = []
        for child in node[key]:
            matched, reason = _evaluate(child, customer, event_count, now)
            if matched != (key == "all"):
                return matched, reason  # the first child that decides the group is the reason
            reasons.append(f"({reason})" if is_compound(child) else reason)
        return key == "all", " and ".join(reasons)
    if "not" in node:
        matched, reason = _evaluate(node["not"], customer, event_count, now)
        return not matched, f"not ({describe_condition(node['not'])})" if not matched else reason
    if node["type"] == "attribute":
        return _evaluate_attribute(node, customer)
    if node["type"] == "event":
        return _evaluate_event(node, event_count, now)
    if node["type"] == "prediction":
        return _evaluate_prediction(node, customer, now)
    # The same decision delivery makes: the channel's state, and the policy for "not asked".
    granted = consent_allows(customer.consent, node["channel"])
    return granted, f"consented to {node['channel']}" if granted else f"no consent for {node['channel']}"


def _evaluate_attribute(node: dict, customer) -> tuple[bool, str]:
    name, op, expected = node["attribute"], node.get("op", "eq"), node.get("value")
    actual = customer_value(customer, name)
    if compare(actual, op, expected):
        return True, describe_filter({"property": name, "op": op, "value": expected})
    present = actual is not MISSING and actual is not None
    if op == "exists":
        return False, f"{name} is not set"
    if op == "not_exists":
        return False, f"{name} is set ({_short(actual)})"
    if op == "neq":
        return False, f"{name} = {_short(expected)}"
    shown = _short(actual) if present else "not set"
    return False, f"{name} is {shown} (needs {OP_WORDS[op]} {_short(expected)})"


def window_start(node: dict, now: datetime) -> datetime | None:
    days = node.get("within_days")
    return now - timedelta(days=days) if days else None


def _evaluate_event(node: dict, event_count, now) -> tuple[bool, str]:
    low, high = node.get("min_count", 1), node.get("max_count")
    filters = node.get("filters") or []
    # By keyword: the engine's counter and test doubles agree on names, not on positions.
    count = event_count(name=node["event"], since=window_start(node, now), filters=filters)
    matched = count >= low and (high is None or count <= high)
    reason = (
        f"did {node['event']} {plural(count, 'time')}{describe_window(node)}{describe_filters(filters)}"
        f" (needs {describe_counts(node)})"
    )
    return matched, reason


# --- Predicted scores.

# Computing a score's reasons (feature contributions) for every customer costs more than scoring
# them, so they are computed the first time someone reads them. The predictions package sets this
# at start-up (journeys.apps): (prediction, customer_id, now) -> (feature indices, values).
_score_explainer: Callable | None = None


def set_score_explainer(explainer: Callable | None) -> None:
    global _score_explainer  # one process-wide hook, set once at start-up
    _score_explainer = explainer


def top_percent_threshold(top_percent: float) -> float:
    """The lowest percentile in the top `top_percent` %; SQL compares with the same float."""
    return 1 - top_percent / 100


def percentile_rank(percentile: float) -> str:
    """Where a score stands, counted from the nearer end: "top 5 %", or "bottom 3 %" rather than
    "top 97 %", which reads like praise (and "top 100 %" says nothing). `percentile` is the share of
    customers scoring lower. templates/predictions/_customer_scores.html shows the same rank."""
    top = max(1, round((1 - percentile) * 100))
    return f"top {top} %" if top <= 50 else f"bottom {max(1, 100 - top)} %"


def _evaluate_prediction(node: dict, customer, now: datetime) -> tuple[bool, str]:
    prediction = (
        Prediction.objects.select_related("current_training")
        .only("name", "current_training__spec")
        .filter(pk=node["prediction"])
        .first()
    )
    if prediction is None:
        return False, f"prediction #{node['prediction']} no longer exists"
    row = PredictionScore.objects.filter(prediction_id=prediction.pk, customer_id=customer.id).first()
    if row is None:
        return False, f"no {prediction.name} score yet"
    if node.get("top_percent") is not None:
        matched = row.percentile >= top_percent_threshold(node["top_percent"])
        shown = f"{prediction.name} {row.score:.2f}, {percentile_rank(row.percentile)}"
    else:
        matched = compare(row.score, node["op"], node["value"])
        shown = f"{prediction.name} {row.score:.2f}"
    features, values = row.reason_features, row.reason_values
    if not features and _score_explainer is not None and prediction.current_training is not None:
        features, values = _score_explainer(prediction, customer.id, now=now)
    details = describe_reasons(prediction.current_training.spec, features, values) if features else ""
    reason = f"{shown} ({details})" if details else shown
    if not matched:
        reason += f", needs {describe_prediction(node, prediction.name).removeprefix(prediction.name + ' ')}"
    return matched, reason
