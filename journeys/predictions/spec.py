"""The features a training uses, in order, and their names in words.

A spec is plain JSON kept on the training run, so scoring and reasons read features exactly as
training built them:

    {"windows": [7, 30, 90], "events": ["Order Completed", ...], "engagement": ["Email Opened", ...],
     "numeric": ["age", ...], "categorical": {"plan": ["free", "pro"]}, "channels": ["email", ...]}
"""

WINDOWS = (7, 30, 90)
MAX_EVENTS = 12  # event names with their own counts; more adds width without adding much
MAX_NUMERIC = 8
MAX_CATEGORICAL = 6
MAX_CATEGORIES = 20


def feature_names(spec: dict) -> list[str]:
    """Machine names, in the column order the features query returns (after the customer id)."""
    names = ["days_since_last_event", "days_since_first_seen"]
    names += [f"events_{w}d" for w in spec["windows"]]
    for i, _ in enumerate(spec["events"]):
        names += [f"event{i}_{w}d" for w in spec["windows"]]
        names.append(f"event{i}_days_since_last")
    names += [f"engagement_{w}d" for w in spec["windows"]]
    names += [f"consent_{channel}" for channel in spec["channels"]]
    names += [f"numeric{i}" for i, _ in enumerate(spec["numeric"])]
    names += [f"category{i}" for i, _ in enumerate(spec["categorical"])]
    return names


def feature_labels(spec: dict) -> list[str]:
    """The same features in words, for reasons and the importance table."""
    labels = ["days since last activity", "days since first seen"]
    labels += [f"events in the last {w} days" for w in spec["windows"]]
    for name in spec["events"]:
        labels += [f"{name} in the last {w} days" for w in spec["windows"]]
        labels.append(f"days since last {name}")
    labels += [f"message engagement in the last {w} days" for w in spec["windows"]]
    labels += [f"{channel} consent" for channel in spec["channels"]]
    labels += list(spec["numeric"])
    labels += list(spec["categorical"])
    return labels


def categorical_indices(spec: dict) -> list[int]:
    count = len(feature_names(spec))
    return list(range(count - len(spec["categorical"]), count))


def show_value(spec: dict, index: int, value: float) -> str:
    """A feature's value as a person reads it: counts as whole numbers, categories by their name."""
    name = feature_names(spec)[index]
    if value != value:  # NaN: never happened, or not set
        return "never" if "days_since" in name else "not set"
    if name.startswith("category"):
        values = spec["categorical"][list(spec["categorical"])[int(name[len("category") :])]]
        code = int(value)
        return values[code] if 0 <= code < len(values) else "other"
    if name.startswith("consent_"):
        return "yes" if value else "no"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) < 10 else str(round(value))


def describe_reasons(spec: dict, features: list[int], values: list[float]) -> str:
    """ "orders in the last 30 days: 4; days since last visit: 2" from stored reason indices and values."""
    labels = feature_labels(spec)
    parts = [
        f"{labels[i]}: {show_value(spec, i, v)}" for i, v in zip(features, values, strict=False) if 0 <= i < len(labels)
    ]
    return "; ".join(parts)
