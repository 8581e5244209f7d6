"""Training: features at a past cut-off, outcomes in the days after it, a LightGBM model, held-out figures.

The cut-off is `target_days` before now, so every outcome window has fully passed. One customer
in five (by id) is held out: the model never sees them, and every quality figure is theirs.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import lightgbm
import numpy as np

from journeys.predictions import features, quality
from journeys.predictions import spec as specs

HOLDOUT_EVERY = 5  # customer id % 5 == 0 is held out
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.08,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
ROUNDS = 300
EARLY_STOP = 20


def threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@dataclass
class Trained:
    spec: dict
    model_text: str
    metrics: dict
    cutoff: datetime
    booster: lightgbm.Booster


def target_of(prediction) -> dict:
    return {
        "event": prediction.target_event,
        "filters": prediction.target_filters or [],
        "days": prediction.target_days,
        "negate": prediction.negate,
    }


def train(prediction, *, now: datetime, progress: Callable[[str, float], None] | None = None) -> Trained:
    """Build features at the cut-off, fit on four customers in five, measure on the fifth.

    `progress(stage, fraction)` is called as work advances (features are most of the time).
    Raises ValueError when there is nothing to learn from (no customers, or one outcome only).
    """
    report = progress or (lambda stage, fraction: None)
    cutoff = now - timedelta(days=prediction.target_days)
    report("choosing features", 0.02)
    spec = features.choose_spec(
        at=cutoff,
        target_event=prediction.target_event,
        population_where=features.population_where(prediction.population, cutoff),
    )
    batches = list(
        features.feature_batches(
            spec,
            at=cutoff,
            population=prediction.population,
            target=target_of(prediction),
            progress=lambda f: report("building features", 0.05 + 0.65 * f),
            read_ahead=True,
        )
    )
    matrix = np.concatenate(batches) if batches else np.empty((0, len(specs.feature_names(spec)) + 2))
    if not len(matrix):
        raise ValueError("No customers in the population before the cut-off: nothing to learn from.")
    ids, x, y = matrix[:, 0].astype(np.int64), matrix[:, 1:-1], matrix[:, -1]
    held = ids % HOLDOUT_EVERY == 0
    x_train, y_train = x[~held], y[~held]
    if len(np.unique(y_train)) < 2:
        raise ValueError("Every customer had the same outcome before the cut-off: nothing to learn from.")
    # Early stopping watches a slice of the training customers, never the held-out ones.
    stop = (ids[~held] // HOLDOUT_EVERY) % 10 == 0
    names = specs.feature_names(spec)
    categorical = [names[i] for i in specs.categorical_indices(spec)]
    report("training", 0.72)
    params = {**PARAMS, "num_threads": threads()}
    train_set = lightgbm.Dataset(
        x_train[~stop], y_train[~stop], feature_name=names, categorical_feature=categorical, free_raw_data=True
    )
    valid_set = lightgbm.Dataset(x_train[stop], y_train[stop], reference=train_set)
    booster = lightgbm.train(
        params,
        train_set,
        num_boost_round=ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lightgbm.early_stopping(EARLY_STOP, verbose=False)],
    )
    report("measuring on held-out customers", 0.9)
    metrics = measure(booster, x[held], y[held], spec)
    metrics.update(
        {
            "population_size": len(ids),
            "train_size": int((~held).sum()),
            "positive_rate": float(y.mean()),
            "rounds": booster.best_iteration or booster.current_iteration(),
        }
    )
    return Trained(spec=spec, model_text=booster.model_to_string(), metrics=metrics, cutoff=cutoff, booster=booster)


def measure(booster: lightgbm.Booster, x: np.ndarray, y: np.ndarray, spec: dict) -> dict:
    scores = booster.predict(x, num_threads=threads()) if len(x) else np.empty(0)
    reliability, error = quality.calibration(y, scores)
    gains = booster.feature_importance("gain")
    total = float(gains.sum()) or 1.0
    labels = specs.feature_labels(spec)
    top = sorted(range(len(gains)), key=lambda i: -gains[i])[:10]
    return {
        "auc": quality.auc(y, scores),
        "calibration": reliability,
        "calibration_error": error,
        "lift": quality.lift_by_decile(y, scores),
        "importance": [{"feature": labels[i], "share": float(gains[i] / total)} for i in top if gains[i] > 0],
        "holdout_size": len(y),
        "holdout_positives": int(y.sum()),
    }
