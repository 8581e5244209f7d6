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
    {"type": "prediction", "prediction": 3, "op": "gte", "value": 0.7}   (a predicted score)
    {"type": "prediction", "prediction": 3, "top_percent": 10}           (its top 10 %)

The parts, each a module:

- `schema`: the shape and its validation (`PropertyFilterSerializer`, `ConditionSerializer`,
  `clean_condition`).
- `evaluation`: the meaning, in Python. `compare` is the single definition of what each
  operator means; `evaluate` decides a tree for one customer, with a reason.
- `sql_compiler`: the same meaning as SQL. `condition_sql` compiles a tree to a boolean
  expression over `journeys_customer c`, written (and cross-checked by tests) to agree with
  `compare` on every JSON value, including missing keys, nulls, mixed types and nested values.
- `descriptions`: conditions and filters in words, for the canvas and the step log.

Callers import from this package, not from its modules, so the parts can move again freely.
"""

from journeys.conditions.descriptions import PREDICTION_NAMES, describe_condition, describe_filter, describe_filters
from journeys.conditions.evaluation import (
    MAX_REASON,
    MISSING,
    cap_reason,
    compare,
    customer_value,
    evaluate,
    filters_match,
    lookup,
    set_score_explainer,
)
from journeys.conditions.schema import (
    FILTER_OPERATORS,
    GROUPS,
    LEAF_TYPES,
    MAX_COUNT,
    MAX_DEPTH,
    MAX_FILTERS,
    MAX_LEAVES,
    MAX_WINDOW_DAYS,
    PROFILE_FIELDS,
    ConditionSerializer,
    PropertyFilterSerializer,
    clean_condition,
)
from journeys.conditions.sql_compiler import compare_sql, condition_sql, filters_sql, json_path_sql

__all__ = [
    "FILTER_OPERATORS",
    "GROUPS",
    "LEAF_TYPES",
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_FILTERS",
    "MAX_LEAVES",
    "MAX_REASON",
    "MAX_WINDOW_DAYS",
    "MISSING",
    "PREDICTION_NAMES",
    "PROFILE_FIELDS",
    "ConditionSerializer",
    "PropertyFilterSerializer",
    "cap_reason",
    "clean_condition",
    "compare",
    "compare_sql",
    "condition_sql",
    "customer_value",
    "describe_condition",
    "describe_filter",
    "describe_filters",
    "evaluate",
    "filters_match",
    "filters_sql",
    "json_path_sql",
    "lookup",
    "set_score_explainer",
]
