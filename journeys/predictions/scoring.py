"""Scores for every customer in a population, written with one binary COPY; reasons on demand.

Scoring is features (two packed queries per batch, the next batches read ahead on connections
of their own: `features`), `Booster.predict` on each batch with every core, and one binary COPY
whose rows numpy lays out in one go, in the transaction that deletes the old scores. Reasons (SHAP-style
feature contributions, LightGBM's `pred_contrib`) cost many times a prediction, so they are
computed when someone reads them: one customer's contributions take a millisecond.
"""

import threading
from datetime import UTC, datetime, timedelta

import lightgbm
import numpy as np
import psycopg
from django.db import connection, transaction

from journeys.models import Prediction, PredictionScore, PredictionTraining
from journeys.predictions import features
from journeys.predictions.training import threads

REASONS = 3  # features named in a reason
QUANTILES = 1000  # cut points kept for customers rescored alone
_EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)
_models: dict[int, lightgbm.Booster] = {}
_models_lock = threading.Lock()


def booster_for(training: PredictionTraining) -> lightgbm.Booster:
    """The training's model, parsed once per process (a model is immutable once trained)."""
    with _models_lock:
        booster = _models.get(training.pk)
        if booster is None:
            booster = lightgbm.Booster(model_str=training.model_text)
            _models[training.pk] = booster
        return booster


def predict(booster: lightgbm.Booster, x: np.ndarray) -> np.ndarray:
    return booster.predict(x, num_threads=threads()) if len(x) else np.empty(0)


def _score_rows(prediction_id: int, ids: np.ndarray, scores: np.ndarray, percentiles: np.ndarray, at) -> bytes:
    """PostgreSQL binary COPY rows for journeys_predictionscore, built as one numpy record array.

    Every row has the same layout (the reason arrays are empty until read), so numpy writes them
    all at once; a Python loop over a million rows would take longer than predicting them.
    """
    empty_array = [("ndim", ">i4"), ("nulls", ">i4"), ("oid", ">i4")]
    dtype = np.dtype(
        [
            ("n", ">i2"),
            ("l_pred", ">i4"), ("pred", ">i8"),
            ("l_cust", ">i4"), ("cust", ">i8"),
            ("l_score", ">i4"), ("score", ">f8"),
            ("l_pct", ">i4"), ("pct", ">f8"),
            ("l_rf", ">i4"), *[(f"rf_{k}", t) for k, t in empty_array],
            ("l_rv", ">i4"), *[(f"rv_{k}", t) for k, t in empty_array],
            ("l_at", ">i4"), ("at", ">i8"),
        ]
    )  # fmt: skip
    rows = np.zeros(len(ids), dtype=dtype)
    rows["n"] = 7
    for name, size in (("pred", 8), ("cust", 8), ("score", 8), ("pct", 8), ("rf", 12), ("rv", 12), ("at", 8)):
        rows[f"l_{name}"] = size
    rows["pred"], rows["cust"], rows["score"], rows["pct"] = prediction_id, ids, scores, percentiles
    rows["rf_oid"], rows["rv_oid"] = 21, 701  # int2, float8
    rows["at"] = (at - _EPOCH_2000) // timedelta(microseconds=1)
    header = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
    return header + rows.tobytes() + b"\xff\xff"


_COPY = (
    "COPY journeys_predictionscore (prediction_id, customer_id, score, percentile, reason_features,"
    " reason_values, scored_at) FROM STDIN (FORMAT binary)"
)


def _copy_in(data: bytes) -> None:
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor, cursor.copy(_COPY) as copy:
        copy.write(data)


def _write_scores(
    prediction_id: int, ids: np.ndarray, scores: np.ndarray, percentiles: np.ndarray, at, *, written: str, params=()
) -> int:
    """Add these scores (the caller deleted the old ones, in the same transaction), none for customers gone since.

    Returns the number of rows kept.
    No foreign key checks score rows against customers (row by row it cost half the write; see
    `PredictionScore`), so a customer erased or merged away after their features were read is
    removed here with one anti-join. `written` (SQL on `ps`, with `params`) selects at least the
    rows written.
    """
    if not len(ids):
        return 0
    _copy_in(_score_rows(prediction_id, ids, scores, percentiles, at))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM journeys_predictionscore ps WHERE ps.prediction_id = %s AND ({written})"
            " AND NOT EXISTS (SELECT 1 FROM journeys_customer c WHERE c.id = ps.customer_id)",
            [prediction_id, *params],
        )
        return len(ids) - cursor.rowcount


def score_everyone(prediction: Prediction, training: PredictionTraining, *, now: datetime, progress=None) -> int:
    """Score the whole population with `training`'s model and make it the prediction's current one.

    Old scores are replaced in one transaction, so readers see either the old set or the new.
    Percentiles are exact ranks; their quantiles are kept for customers rescored later alone.
    """
    booster = booster_for(training)
    all_ids, all_scores = [], []
    for batch in features.feature_batches(
        training.spec, at=now, population=prediction.population, progress=progress, read_ahead=True
    ):
        all_ids.append(batch[:, 0].astype(np.int64))
        all_scores.append(predict(booster, batch[:, 1:]))
    ids = np.concatenate(all_ids) if all_ids else np.empty(0, dtype=np.int64)
    scores = np.concatenate(all_scores) if all_scores else np.empty(0)
    ordered = np.sort(scores)
    percentiles = np.searchsorted(ordered, scores, side="left") / max(1, len(scores))
    quantiles = np.quantile(scores, np.linspace(0, 1, QUANTILES + 1)).tolist() if len(scores) else []
    with transaction.atomic():
        # Raw SQL: the ORM's delete collects rows first, for signals this model does not have.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM journeys_predictionscore WHERE prediction_id = %s", [prediction.pk])
        scored = _write_scores(prediction.pk, ids, scores, percentiles, now, written="true")
        PredictionTraining.objects.filter(pk=training.pk).update(quantiles=quantiles)
        Prediction.objects.filter(pk=prediction.pk).update(current_training=training, scored_through=now)
    return scored


def score_changed(prediction: Prediction, *, now: datetime) -> int:
    """Rescore customers with events received since the last scoring (the hourly pass).

    Their percentile comes from the quantiles of the last full scoring. Customers who left the
    population lose their score.
    """
    training = prediction.current_training
    if training is None or prediction.scored_through is None:
        return 0
    since = features._literal_sql("%s::timestamptz", [prediction.scored_through])
    changed = f"SELECT ev.customer_id FROM journeys_event ev WHERE ev.received_at >= {since}"
    booster = booster_for(training)
    quantiles = np.asarray(training.quantiles or [0.0, 1.0])
    ids_parts, score_parts = [], []
    for batch in features.feature_batches(
        training.spec, at=now, population=prediction.population, extra_where=f"c.id IN ({changed})", read_ahead=True
    ):
        ids_parts.append(batch[:, 0].astype(np.int64))
        score_parts.append(predict(booster, batch[:, 1:]))
    ids = np.concatenate(ids_parts) if ids_parts else np.empty(0, dtype=np.int64)
    scores = np.concatenate(score_parts) if score_parts else np.empty(0)
    percentiles = np.minimum(np.searchsorted(quantiles, scores, side="left") / (len(quantiles) - 1), 1.0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM journeys_predictionscore WHERE prediction_id = %s AND customer_id IN ({changed})",
                [prediction.pk],
            )
        scored = _write_scores(
            prediction.pk, ids, scores, percentiles, now, written="ps.customer_id = ANY(%s)", params=[ids.tolist()]
        )
        Prediction.objects.filter(pk=prediction.pk).update(scored_through=now)
    return scored


def explain(prediction: Prediction, customer_id: int, *, now: datetime) -> tuple[list[int], list[float]]:
    """The features that moved this customer's score most (by |contribution|) and their values.

    Computed from the customer's features at `now` with LightGBM's `pred_contrib`, then kept on
    the score row so the next reader does not compute them again.
    """
    training = prediction.current_training
    if training is None:
        return [], []
    matrix = features.build_matrix(
        training.spec, at=now, where=f"c.id = {int(customer_id)}", events_where=f"ev.customer_id = {int(customer_id)}"
    )
    if not len(matrix):
        return [], []
    x = matrix[:, 1:]
    contributions = booster_for(training).predict(x, pred_contrib=True, num_threads=1)[0][:-1]  # last: the bias
    top = [int(i) for i in np.argsort(-np.abs(contributions), kind="stable")[:REASONS] if contributions[i] != 0]
    values = [float(x[0, i]) for i in top]
    PredictionScore.objects.filter(prediction=prediction, customer_id=customer_id).update(
        reason_features=top, reason_values=values
    )
    return top, values
