"""The shared condition model: property filters on events, and conditions on customers.

One JSON shape serves event triggers, waits for events, condition branches and audience
triggers, and is evaluated two ways with the same meaning: in Python for one customer at a
time (nodes), and compiled to SQL for a whole audience at once.

A condition on customers is a tree:

    {"all": [cond, ...]}   {"any": [cond, ...]}   {"not": cond}
    {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
    {"type": "event", "event": "Order Completed", "min_count": 3, "max_count": 10,
     "within_days": 30, "filters": [{"property": "total", "op": "gt", "value": 50}]}
    {"type": "consent", "channel": "email"}

`evaluate` decides it for one customer in Python; `condition_sql` compiles it to a boolean
SQL expression over `journeys_customer c`. `compare` is the single definition of what each
operator means; the SQL compiler is written (and cross-checked by tests) to agree with it on
every JSON value, including missing keys, nulls, mixed types and nested values.
"""

import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from rest_framework import serializers

from journeys.models.customers import CHANNELS

FILTER_OPERATORS = ("eq", "neq", "contains", "gt", "gte", "lt", "lte", "exists", "not_exists")
MISSING = object()


def _check_json_value(value, depth: int = 0) -> str | None:
    """Why `value` cannot be stored in PostgreSQL's jsonb or sent as a parameter, or None."""
    if depth > 10:
        return "is nested too deeply"
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if isinstance(value, str):
        # PostgreSQL text and jsonb cannot hold NUL characters.
        return "must not contain NUL characters" if "\x00" in value else None
    if isinstance(value, list):
        return next((e for e in (_check_json_value(v, depth + 1) for v in value) if e), None)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _check_json_value(key, depth + 1) or _check_json_value(item, depth + 1)
            if problem:
                return problem
        return None
    if value is None or isinstance(value, bool | int | float):
        return None
    return "must be JSON"


class PropertyFilterSerializer(serializers.Serializer):
    property = serializers.CharField(max_length=200, help_text="A property name; dots reach inside objects.")
    op = serializers.ChoiceField(choices=FILTER_OPERATORS, default="eq")
    value = serializers.JSONField(required=False, allow_null=True)

    def validate_value(self, value):
        problem = _check_json_value(value)
        if problem:
            raise serializers.ValidationError(f"the value {problem}")
        return value

    def validate(self, data):
        if data["op"] not in ("exists", "not_exists") and "value" not in data:
            raise serializers.ValidationError({"value": f"{data['op']} needs a value"})
        return data


def lookup(data: dict, path: str):
    """The value at a dotted path in nested objects, or MISSING."""
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _exact(number):
    """A number as the decimal that JSON (and PostgreSQL's numeric) means by it.

    Python compares an int with a float by the float's binary value, PostgreSQL by the decimal
    written in JSON; they differ only beyond 2**53 (1e300 > 10**300 in Python), so mixed
    comparisons go through the decimal to mean what the SQL means.
    """
    return Decimal(repr(number)) if isinstance(number, float) else number


def _json_equal(a, b) -> bool:
    """Type-strict equality of JSON values: true is not 1, 1 is 1.0, also inside lists and objects."""
    if _is_number(a) or _is_number(b):
        if not (_is_number(a) and _is_number(b)):
            return False
        if type(a) is type(b):
            return a == b
        return _exact(a) == _exact(b)
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
    if _is_number(actual) and _is_number(expected):
        if type(actual) is not type(expected):
            actual, expected = _exact(actual), _exact(expected)
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


_OP_WORDS = {
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
        return f"{f['property']} {_OP_WORDS[f['op']]}"
    return f"{f['property']} {_OP_WORDS[f['op']]} {f.get('value')!r}"


def describe_filters(filters: list[dict]) -> str:
    return f" where {' and '.join(describe_filter(f) for f in filters)}" if filters else ""


# --- Conditions on customers: the tree, its validation, its description.

GROUPS = ("all", "any", "not")
LEAF_TYPES = ("attribute", "event", "consent")
# Names that read the customer's profile columns rather than `attributes`.
PROFILE_FIELDS = ("email", "phone", "timezone", "external_id")
MAX_DEPTH = 5  # groups inside groups
MAX_LEAVES = 50
MAX_FILTERS = 20
MAX_WINDOW_DAYS = 3650
MAX_COUNT = 1_000_000
MAX_REASON = 300  # a step's reason column holds 500 characters, with the node's words around it

_LEAF_KEYS = {
    "attribute": {"type", "attribute", "op", "value"},
    "event": {"type", "event", "min_count", "max_count", "within_days", "filters"},
    "consent": {"type", "channel"},
}


class _Cleaner:
    """Validates a condition tree, collecting every error with the path where it is."""

    def __init__(self):
        self.errors: list[str] = []
        self.leaves = 0

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    def clean(self, node, path: str = "", depth: int = 0):
        if not isinstance(node, dict):
            self.error(path, f"a condition must be an object, not {_json_type(node)}")
            return None
        groups = [key for key in GROUPS if key in node]
        if groups:
            if len(node) != 1:
                others = ", ".join(repr(k) for k in node if k != groups[0])
                self.error(path, f"a group has one key: {groups[0]!r} cannot be combined with {others}")
                return None
            if depth >= MAX_DEPTH:
                self.error(path, f"groups nest at most {MAX_DEPTH} deep")
                return None
            return self.clean_group(groups[0], node[groups[0]], path, depth)
        if "type" not in node:
            self.error(path, 'a condition needs a "type" (attribute, event or consent) or is a group (all, any, not)')
            return None
        if node["type"] not in LEAF_TYPES:
            self.error(_join(path, "type"), f"must be one of {', '.join(LEAF_TYPES)}, not {node['type']!r}")
            return None
        self.leaves += 1
        unknown = sorted(set(node) - _LEAF_KEYS[node["type"]], key=str)
        if unknown:
            self.error(path, f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
            return None
        return getattr(self, f"clean_{node['type']}")(node, path)

    def clean_group(self, key: str, children, path: str, depth: int):
        if key == "not":
            child = self.clean(children, _join(path, "not"), depth + 1)
            return {"not": child}
        if not isinstance(children, list):
            self.error(_join(path, key), f"must be a list of conditions, not {_json_type(children)}")
            return None
        if not children:
            self.error(_join(path, key), "needs at least one condition")
            return None
        return {key: [self.clean(child, f"{_join(path, key)}[{i}]", depth + 1) for i, child in enumerate(children)]}

    def clean_attribute(self, node: dict, path: str):
        attribute, op = node.get("attribute"), node.get("op", "eq")
        if not isinstance(attribute, str) or not attribute:
            self.error(_join(path, "attribute"), "needs an attribute name")
        elif len(attribute) > 200:
            self.error(_join(path, "attribute"), "is longer than 200 characters")
        elif "" in attribute.split(".") or "\x00" in attribute:
            self.error(_join(path, "attribute"), f"{attribute!r} is not a valid name (dots separate parts)")
        if op not in FILTER_OPERATORS:
            self.error(_join(path, "op"), f"must be one of {', '.join(FILTER_OPERATORS)}, not {op!r}")
            return None
        cleaned = {"type": "attribute", "attribute": attribute, "op": op}
        if op in ("exists", "not_exists"):
            return cleaned  # a value left over from another operator means nothing here
        value = node.get("value")
        if value is None:
            hint = {"eq": " (to match a missing value use not_exists)", "neq": " (use exists)"}.get(op, "")
            self.error(_join(path, "value"), f"{op} needs a value{hint}")
            return None
        problem = _check_json_value(value)
        if problem:
            self.error(_join(path, "value"), problem)
        elif op in ("gt", "gte", "lt", "lte") and not (_is_number(value) or isinstance(value, str)):
            self.error(_join(path, "value"), f"{op} compares numbers or text, not {_json_type(value)}")
        cleaned["value"] = value
        return cleaned

    def clean_event(self, node: dict, path: str):
        event = node.get("event")
        if not isinstance(event, str) or not event.strip():
            self.error(_join(path, "event"), "needs an event name")
        elif len(event) > 255 or "\x00" in event:
            self.error(_join(path, "event"), "is not a valid event name")
        min_count = self.count(node, "min_count", path, default=1)
        max_count = self.count(node, "max_count", path, default=None)
        if min_count is not None and max_count is not None and max_count < min_count:
            self.error(_join(path, "max_count"), f"is less than min_count ({min_count})")
        if min_count == 0 and node.get("max_count") is None:
            self.error(_join(path, "min_count"), "0 with no max_count matches everyone")
        within_days = node.get("within_days")
        if within_days is not None and (
            not isinstance(within_days, int) or isinstance(within_days, bool) or not 1 <= within_days <= MAX_WINDOW_DAYS
        ):
            self.error(_join(path, "within_days"), f"must be a whole number of days from 1 to {MAX_WINDOW_DAYS}")
        filters = node.get("filters", [])
        if not isinstance(filters, list):
            self.error(_join(path, "filters"), "must be a list of property filters")
            filters = []
        elif len(filters) > MAX_FILTERS:
            self.error(_join(path, "filters"), f"at most {MAX_FILTERS} filters")
        serializer = PropertyFilterSerializer(data=filters, many=True)
        if not serializer.is_valid():
            for where, message in _flatten(serializer.errors, _join(path, "filters")):
                self.error(where, message)
        return {
            "type": "event",
            "event": event,
            "min_count": min_count,
            "max_count": max_count,
            "within_days": within_days,
            "filters": [dict(f) for f in serializer.validated_data] if not serializer.errors else [],
        }

    def count(self, node: dict, key: str, path: str, default):
        value = node.get(key, default)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
            self.error(_join(path, key), f"must be a whole number from 0 to {MAX_COUNT}")
            return None
        return value

    def clean_consent(self, node: dict, path: str):
        channel = node.get("channel")
        if channel not in CHANNELS:
            self.error(_join(path, "channel"), f"must be one of {', '.join(CHANNELS)}, not {channel!r}")
        return {"type": "consent", "channel": channel}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if _is_number(value):
        return "a number"
    return {str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _flatten(errors, path: str):
    """(path, message) pairs from DRF's nested error structure."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            # A list serializer reports items by index, as a dict with int keys.
            where = f"{path}[{key}]" if isinstance(key, int) else _join(path, key)
            yield from _flatten(value, path if key == "non_field_errors" else where)
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        for message in errors:
            yield path, str(message)
    elif isinstance(errors, list):
        for i, item in enumerate(errors):
            if item:
                yield from _flatten(item, f"{path}[{i}]")
    else:
        yield path, str(errors)


def clean_condition(data) -> tuple[dict | None, list[str]]:
    """(normalised condition, errors). Errors name where they are, like "all[1].op: ..."."""
    cleaner = _Cleaner()
    tree = cleaner.clean(data)
    if cleaner.leaves > MAX_LEAVES:
        cleaner.errors.insert(0, f"has {cleaner.leaves} conditions; at most {MAX_LEAVES}")
    return (None, cleaner.errors) if cleaner.errors else (tree, [])


class ConditionSerializer(serializers.Field):
    """A condition tree on customers (see the module docstring), validated recursively."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Groups all/any/not around conditions on attributes, event history and consent.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        tree, errors = clean_condition(data)
        if errors:
            raise serializers.ValidationError(errors[:20])
        return tree

    def to_representation(self, value):
        return value


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _describe_counts(node: dict) -> str:
    low, high = node.get("min_count", 1), node.get("max_count")
    if high is None:
        return f"at least {low}"
    if low == 0:
        return f"at most {high}"
    return f"exactly {low}" if low == high else f"{low} to {high}"


def _describe_window(node: dict) -> str:
    days = node.get("within_days")
    return f" in {_plural(days, 'day')}" if days else ""


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
            f"did {condition['event']} {_describe_counts(condition)} times{_describe_window(condition)}"
            f"{describe_filters(condition.get('filters', []))}"
        )
    return f"consented to {condition['channel']}"


def _parenthesised(condition: dict) -> str:
    text = describe_condition(condition)
    return f"({text})" if _is_compound(condition) else text


def _is_compound(condition: dict) -> bool:
    """A group of several conditions, which needs parentheses inside another group's text."""
    children = condition.get("all", condition.get("any"))
    return isinstance(children, list) and len(children) > 1


# --- Evaluation in Python, for one customer.


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


def _cap(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON else f"{reason[: MAX_REASON - 1]}…"


def evaluate(condition: dict, customer, event_count: Callable[..., int], now: datetime) -> tuple[bool, str]:
    """Whether the condition holds for one customer, and a short reason why (or why not).

    `customer` is a CustomerView (or anything with its fields). `event_count(name=, since=,
    filters=)` (called by keyword) counts the customer's events called `name` with `timestamp >= since` (`since` is
    None for all time) whose properties match `filters`. Groups stop early, so an event
    history is only counted when it can change the answer.
    """
    matched, reason = _evaluate(condition, customer, event_count, now)
    return matched, _cap(reason)


def _evaluate(node: dict, customer, event_count, now) -> tuple[bool, str]:
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        reasons = []
        for child in node[key]:
            matched, reason = _evaluate(child, customer, event_count, now)
            if matched != (key == "all"):
                return matched, reason  # the first child that decides the group is the reason
            reasons.append(f"({reason})" if _is_compound(child) else reason)
        return key == "all", " and ".join(reasons)
    if "not" in node:
        matched, reason = _evaluate(node["not"], customer, event_count, now)
        return not matched, f"not ({describe_condition(node['not'])})" if not matched else reason
    if node["type"] == "attribute":
        return _evaluate_attribute(node, customer)
    if node["type"] == "event":
        return _evaluate_event(node, event_count, now)
    granted = isinstance(customer.consent, dict) and customer.consent.get(node["channel"]) is True
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
    return False, f"{name} is {shown} (needs {_OP_WORDS[op]} {_short(expected)})"


def _since(node: dict, now: datetime) -> datetime | None:
    days = node.get("within_days")
    return now - timedelta(days=days) if days else None


def _evaluate_event(node: dict, event_count, now) -> tuple[bool, str]:
    low, high = node.get("min_count", 1), node.get("max_count")
    filters = node.get("filters") or []
    # By keyword: the engine's counter and test doubles agree on names, not on positions.
    count = event_count(name=node["event"], since=_since(node, now), filters=filters)
    matched = count >= low and (high is None or count <= high)
    reason = (
        f"did {node['event']} {_plural(count, 'time')}{_describe_window(node)}{describe_filters(filters)}"
        f" (needs {_describe_counts(node)})"
    )
    return matched, reason


# --- Compilation to SQL, for a whole audience at once.

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
    if _is_number(expected):
        test = "(" + value + f")::numeric {symbol} " + _param(_exact(expected), "numeric")
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
    since = _since(node, now)
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
    return "COALESCE((c.consent -> " + _param(node["channel"], "text") + ") = 'true'::jsonb, false)"


def condition_sql(condition: dict, now: datetime) -> tuple[str, list]:
    """A boolean SQL expression meaning `evaluate(condition, ...)` for the customer row `c`.

    `c` is `journeys_customer`; event leaves count rows of `journeys_event` (ev.timestamp >=
    now - within_days, no upper bound, as `event_count` counts). Every value the marketer typed
    (attribute names included) is a %s parameter; the expression is never NULL, so NOT works.
    """
    sql = _condition_sql(condition, now)
    return sql.text, sql.params
