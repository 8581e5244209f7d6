"""Reads for predictions: the list, one prediction's quality page, a customer's scores, audience sizes."""

from datetime import datetime

from django.utils import timezone

from journeys.conditions import describe_condition, describe_filters
from journeys.models import Prediction, PredictionScore, PredictionTraining
from journeys.predictions import quality, scoring
from journeys.predictions.services import is_stale
from journeys.predictions.spec import describe_reasons

ACTIVE = (PredictionTraining.Status.QUEUED, PredictionTraining.Status.RUNNING)


def run_view(run: PredictionTraining | None, now: datetime) -> dict | None:
    """A run as the pages show it: a run whose worker stopped reporting shows as failed."""
    if run is None:
        return None
    stale = is_stale(run, now)
    return {
        "id": run.pk,
        "status": "failed" if stale else run.status,
        "active": run.status in ACTIVE and not stale,
        "stage": run.stage,
        "progress": run.progress,
        "requested_at": run.requested_at,
        "finished_at": run.finished_at,
        "error": "The worker stopped reporting; train again." if stale else run.error,
    }


def latest_runs(predictions) -> dict[int, PredictionTraining]:
    latest: dict[int, PredictionTraining] = {}
    runs = PredictionTraining.objects.filter(prediction__in=predictions).defer("model_text", "spec", "metrics")
    for run in runs.order_by("prediction_id", "-id").distinct("prediction_id"):
        latest[run.prediction_id] = run
    return latest


def prediction_rows(now: datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    predictions = list(Prediction.objects.select_related("current_training").defer("current_training__model_text"))
    latest = latest_runs(predictions)
    rows = []
    for prediction in predictions:
        current = prediction.current_training
        rows.append(
            {
                "prediction": prediction,
                "target": describe_target(prediction),
                "auc": (current.metrics or {}).get("auc") if current else None,
                # The same warnings as the prediction's page: a bare AUC of 0.49 says nothing to most readers.
                "warnings": quality.warnings_for(current.metrics or {}) if current else [],
                "trained_at": current.finished_at if current else None,
                "last_run": run_view(latest.get(prediction.pk), now),
            }
        )
    return rows


def describe_target(prediction: Prediction) -> str:
    where = describe_filters(prediction.target_filters or [])
    verb = "does not do" if prediction.negate else "does"
    return f"{verb} {prediction.target_event}{where} within {prediction.target_days} days"


def _chart_points(rows: list[dict], width: int = 320, height: int = 240) -> dict:
    """SVG geometry for the reliability plot: predicted (x) against observed (y), both 0 to 1."""
    pad = 30

    def point(x: float, y: float) -> tuple[float, float]:
        return round(pad + x * (width - 2 * pad), 1), round(height - pad - y * (height - 2 * pad), 1)

    dots = [
        {"x": point(r["predicted"], r["observed"])[0], "y": point(r["predicted"], r["observed"])[1], **r} for r in rows
    ]
    return {
        "width": width,
        "height": height,
        "diagonal": (*point(0, 0), *point(1, 1)),
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "axis_x": (*point(0, 0), *point(1, 0)),
        "axis_y": (*point(0, 0), *point(0, 1)),
        # Scale marks, so a dot can be read without hovering it.
        "x_ticks": [{"x": point(v, 0)[0], "y": point(v, 0)[1] + 13, "label": f"{v:g}"} for v in (0, 0.5, 1)],
        "y_ticks": [{"x": point(0, v)[0] - 4, "y": point(0, v)[1] + 4, "label": f"{v:g}"} for v in (0, 0.5, 1)],
    }


def _lift_chart(rows: list[dict], width: int = 320, height: int = 240) -> dict:
    """SVG geometry for lift by decile, with the scale and the line at 1 (the overall rate)."""
    top = max([r["lift"] or 0 for r in rows] + [1.0])
    bar = (width - 40) / max(1, len(rows))
    plot = height - 40

    def y_of(lift: float) -> float:
        return round(height - 20 - lift / top * plot, 1)

    return {
        "width": width,
        "height": height,
        "bars": [
            {
                **r,
                "x": round(30 + i * bar, 1),
                "width": round(bar * 0.8, 1),
                "height": round((r["lift"] or 0) / top * plot, 1),
                "y": y_of(r["lift"] or 0),
            }
            for i, r in enumerate(rows)
        ],
        "baseline_y": y_of(1.0),
        "right": width - 10,
        "ticks": [{"y": y_of(v) + 4, "label": f"{v:.2g}"} for v in sorted({0.0, 1.0, round(top, 2)})],
    }


def prediction_page(prediction: Prediction, now: datetime | None = None) -> dict:
    """Everything the quality page shows, each figure with the method that made it."""
    now = now or timezone.now()
    current = prediction.current_training
    metrics = (current.metrics or {}) if current else {}
    runs = list(PredictionTraining.objects.filter(prediction=prediction).defer("model_text")[:10])
    return {
        "prediction": prediction,
        "target": describe_target(prediction),
        "population": describe_condition(prediction.population) if prediction.population else "everyone",
        "current": current,
        "metrics": metrics,
        "warnings": quality.warnings_for(metrics) if current else [],
        "reliability": _chart_points(metrics.get("calibration", [])),
        "lift": _lift_chart(metrics.get("lift", [])),
        "runs": [run_view(r, now) for r in runs],
        "active": next((v for v in (run_view(r, now) for r in runs) if v["active"]), None),
        "scored": PredictionScore.objects.filter(prediction=prediction).count() if current else 0,
    }


def customer_scores(customer_id: int, now: datetime | None = None) -> list[dict]:
    """A customer's current scores with their reasons, for the profile page.

    Reasons are computed now for scores that have none yet (and kept), so a profile always says why.
    """
    now = now or timezone.now()
    rows = PredictionScore.objects.filter(customer_id=customer_id).order_by("prediction_id")
    predictions = {
        p.pk: p
        for p in Prediction.objects.select_related("current_training")
        .defer("current_training__model_text")
        .filter(pk__in=[r.prediction_id for r in rows])
    }
    found = []
    for row in rows:
        prediction = predictions[row.prediction_id]
        features, values = row.reason_features, row.reason_values
        if not features and prediction.current_training is not None:
            features, values = scoring.explain(
                Prediction.objects.select_related("current_training").get(pk=prediction.pk), customer_id, now=now
            )
        spec = prediction.current_training.spec if prediction.current_training else {}
        found.append(
            {
                "prediction": prediction,
                "name": prediction.name,
                "score": row.score,
                "top_percent": max(1, round((1 - row.percentile) * 100)),
                "reason": describe_reasons(spec, features, values) if features and spec else "",
                "scored_at": row.scored_at,
            }
        )
    return found
