"""The shape of conditions: property filters on events and condition trees on customers.

Validation only: what a marketer may write, normalised (defaults filled in) and with every
error named by where it is. What a valid condition means is in `evaluation` (Python) and
`sql_compiler` (SQL).
"""

import math

from rest_framework import serializers

from journeys.models.customers import CHANNELS

FILTER_OPERATORS = ("eq", "neq", "contains", "gt", "gte", "lt", "lte", "exists", "not_exists")


def is_number(value) -> bool:
    """A JSON number: true and false are not numbers, although Python's bool is an int."""
    return isinstance(value, int | float) and not isinstance(value, bool)


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


# --- Conditions on customers: the tree and its validation.

GROUPS = ("all", "any", "not")
LEAF_TYPES = ("attribute", "event", "consent", "prediction")
# Names that read the customer's profile columns rather than `attributes`.
PROFILE_FIELDS = ("email", "phone", "timezone", "external_id")
MAX_DEPTH = 5  # groups inside groups
MAX_LEAVES = 50
MAX_FILTERS = 20
MAX_WINDOW_DAYS = 3650
MAX_COUNT = 1_000_000

_LEAF_KEYS = {
    "attribute": {"type", "attribute", "op", "value"},
    "event": {"type", "event", "min_count", "max_count", "within_days", "filters"},
    "consent": {"type", "channel"},
    "prediction": {"type", "prediction", "op", "value", "top_percent"},
}
SCORE_OPERATORS = ("gt", "gte", "lt", "lte")


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
            self.error(
                path,
                'a condition needs a "type" (attribute, event, consent or prediction) or is a group (all, any, not)',
            )
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
        elif op in ("gt", "gte", "lt", "lte") and not (is_number(value) or isinstance(value, str)):
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

    def clean_prediction(self, node: dict, path: str):
        """A score threshold ("op" and "value" from 0 to 1) or a top share ("top_percent" above 0, at most 100)."""
        prediction = node.get("prediction")
        if not isinstance(prediction, int) or isinstance(prediction, bool) or not 0 < prediction < 2**31:
            self.error(_join(path, "prediction"), "needs the id of a prediction")
        top = node.get("top_percent")
        if top is not None:
            if "op" in node or "value" in node:
                self.error(path, "either top_percent or op and value, not both")
            elif not is_number(top) or not 0 < top <= 100:
                self.error(_join(path, "top_percent"), "must be a number above 0 and at most 100")
            return {"type": "prediction", "prediction": prediction, "top_percent": top}
        op, value = node.get("op", "gte"), node.get("value")
        if op not in SCORE_OPERATORS:
            self.error(_join(path, "op"), f"must be one of {', '.join(SCORE_OPERATORS)}, not {op!r}")
        if not is_number(value) or not 0 <= value <= 1:
            self.error(_join(path, "value"), "must be a score from 0 to 1 (or use top_percent)")
        return {"type": "prediction", "prediction": prediction, "op": op, "value": value}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if is_number(value):
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
    """A condition tree on customers (see the package docstring), validated recursively."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Groups all/any/not around conditions on attributes, event history, consent and predicted scores.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        tree, errors = clean_condition(data)
        if errors:
            raise serializers.ValidationError(errors[:20])
        return tree

    def to_representation(self, value):
        return value
