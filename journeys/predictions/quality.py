"""How good a model is on customers it never saw: AUC, calibration, lift by decile. Pure numpy/scipy."""

import numpy as np
from scipy.stats import rankdata

MIN_POSITIVES = 50  # fewer outcomes than this in the held-out set and no figure can be trusted
MIN_HOLDOUT = 500
POOR_AUC = 0.6


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve, by the Mann-Whitney rank sum (ties count half); None without both classes."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return None
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def calibration(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> tuple[list[dict], float]:
    """Reliability bins (equal width in predicted probability) and the expected calibration error.

    Each bin: its range, how many customers, their mean predicted probability and the share whose
    outcome came true. The error is the customer-weighted mean gap between the two.
    """
    labels = np.asarray(labels, dtype=float)
    index = np.minimum((np.asarray(scores) * bins).astype(int), bins - 1)
    rows, error = [], 0.0
    for b in range(bins):
        inside = index == b
        count = int(inside.sum())
        if not count:
            continue
        predicted, observed = float(scores[inside].mean()), float(labels[inside].mean())
        error += count * abs(predicted - observed)
        rows.append(
            {"low": b / bins, "high": (b + 1) / bins, "count": count, "predicted": predicted, "observed": observed}
        )
    return rows, error / max(1, len(labels))


def lift_by_decile(labels: np.ndarray, scores: np.ndarray) -> list[dict]:
    """Deciles from the highest scores down: each decile's outcome rate over the overall rate."""
    labels = np.asarray(labels, dtype=float)
    overall = labels.mean() if len(labels) else 0.0
    order = np.argsort(-np.asarray(scores), kind="stable")
    rows = []
    for decile, part in enumerate(np.array_split(order, 10), start=1):
        if not len(part):
            continue
        rate = float(labels[part].mean())
        rows.append({"decile": decile, "count": len(part), "rate": rate, "lift": rate / overall if overall else None})
    return rows


def warnings_for(metrics: dict) -> list[str]:
    """What a reader must know before trusting the scores."""
    found = []
    value = metrics.get("auc")
    if value is None:
        found.append("The held-out customers all had the same outcome, so no AUC could be measured.")
    elif value < POOR_AUC:
        found.append(f"Poor quality: AUC {value:.2f} is under {POOR_AUC}; scores barely beat chance.")
    if metrics.get("holdout_positives", 0) < MIN_POSITIVES or metrics.get("holdout_size", 0) < MIN_HOLDOUT:
        found.append(
            f"Too little data to trust: {metrics.get('holdout_size', 0)} held-out customers with "
            f"{metrics.get('holdout_positives', 0)} outcomes (needs {MIN_HOLDOUT} and {MIN_POSITIVES})."
        )
    return found
