"""Conditions and filters read aloud: the words of the canvas, the node reasons and the step log."""

from collections.abc import Mapping
from contextvars import ContextVar

# A condition names its prediction by id; describing stays free of queries (it runs for every
# customer a step reason is written for), so a caller that shows titles to people sets the names
# it has read for the duration of its work (the node-titles API). Unset: "prediction #3".
PREDICTION_NAMES: ContextVar[Mapping[int, str] | None] = ContextVar("prediction_names", default=None)

OP_WORDS = {
    "eq": "=",
    "neq": "≠",
    "contains": "contains",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "exists": "is set",
    "not_exists": "is not set",
}


def describe_filter(f: dict) -> str:
    if f["op"] in ("exists", "not_exists"):
        return f"{f['property']} {OP_WORDS[f['op']]}"
    return f"{f['property']} {OP_WORDS[f['op']]} {f.get('value')!r}"


def describe_filters(filters: list[dict]) -> str:
    return f" where {' and '.join(describe_filter(f) for f in filters)}" if filters else ""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def describe_counts(node: dict) -> str:
    low, high = node.get("min_count", 1), node.get("max_count")
    if high is None:
        return f"at least {low}"
    if low == 0:
        return f"at most {high}"
    return f"exactly {low}" if low == high else f"{low} to {high}"


def describe_window(node: dict) -> str:
    days = node.get("within_days")
    return f" in {plural(days, 'day')}" if days else ""


def describe_condition(condition: dict) -> str:
    """A one-line human reading of a condition tree, e.g. "plan = 'pro' and consented to email"."""
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        parts = [_parenthesised(child) for child in condition[key]]
        return f" {'and' if key == 'all' else 'or'} ".join(parts)
    if "not" in condition:
        return f"not ({describe_condition(condition['not'])})"
    if condition["type"] == "attribute":
        return describe_filter(
            {"property": condition["attribute"], "op": condition.get("op", "eq"), "value": condition.get("value")}
        )
    if condition["type"] == "event":
        return (
            f"did {condition['event']} {describe_counts(condition)} times{describe_window(condition)}"
            f"{describe_filters(condition.get('filters', []))}"
        )
    if condition["type"] == "prediction":
        prediction_id = condition["prediction"]
        names = PREDICTION_NAMES.get() or {}
        return describe_prediction(condition, names.get(prediction_id, f"prediction #{prediction_id}"))
    return f"consented to {condition['channel']}"


def describe_prediction(condition: dict, name: str) -> str:
    """ "likelihood to order ≥ 0.7" or "likelihood to order in the top 10 %"."""
    if condition.get("top_percent") is not None:
        return f"{name} in the top {condition['top_percent']:g} %"
    return f"{name} {OP_WORDS[condition.get('op', 'gte')]} {condition.get('value')}"


def _parenthesised(condition: dict) -> str:
    text = describe_condition(condition)
    return f"({text})" if is_compound(condition) else text


def is_compound(condition: dict) -> bool:
    """A group of several conditions, which needs parentheses inside another group's text."""
    children = condition.get("all", condition.get("any"))
    return isinstance(children, list) and len(children) > 1
