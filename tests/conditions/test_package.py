"""The package keeps the one import path callers have always used."""

import journeys.conditions

# What `journeys/conditions.py` offered before it became a package; callers elsewhere import these.
PUBLIC_NAMES = {
    "ConditionSerializer",
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
    "PREDICTION_NAMES",  # added with prediction names in node titles: the node-titles API sets them
    "PROFILE_FIELDS",
    "PropertyFilterSerializer",
    "cap_reason",  # added with why-not reasons for else: a condition node caps its own longer reason
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
    "set_score_explainer",  # added with predicted scores: the hook that explains a score on demand
}


def test_every_public_name_is_importable_from_the_package():
    assert set(journeys.conditions.__all__) == PUBLIC_NAMES
    for name in PUBLIC_NAMES:
        assert getattr(journeys.conditions, name) is not None, name
