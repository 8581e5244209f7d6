"""Writes for predictions: define one, ask for a training, run it (with progress), refresh scores."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from journeys.models import Prediction, PredictionTraining
from journeys.predictions import scoring, training

# A run that has not reported for this long is taken for dead: its worker was killed or lost.
STALE_AFTER = timedelta(minutes=10)
# A request no worker picked up in this long is shown as failed too, so it can be asked again.
QUEUED_STALE_AFTER = timedelta(minutes=30)
Status = PredictionTraining.Status


def prediction_create(
    *,
    name: str,
    target_event: str,
    target_filters: list | None = None,
    target_days: int = 30,
    negate: bool = False,
    population: dict | None = None,
    user=None,
) -> Prediction:
    """A new prediction (validated by the caller's serializer); it has no scores until trained."""
    return Prediction.objects.create(
        name=name,
        target_event=target_event,
        target_filters=target_filters or [],
        target_days=target_days,
        negate=negate,
        population=population,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def is_stale(run: PredictionTraining, now: datetime) -> bool:
    if run.status == Status.RUNNING:
        return (run.heartbeat_at or run.started_at or run.requested_at) < now - STALE_AFTER
    if run.status == Status.QUEUED:
        return run.requested_at < now - QUEUED_STALE_AFTER
    return False


def fail_stale_trainings(*, now: datetime) -> int:
    """Mark runs whose worker stopped reporting as failed, so the page says so and a retry can start."""
    running = Q(status=Status.RUNNING) & (
        Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at=None, requested_at__lt=now - STALE_AFTER)
    )
    queued = Q(status=Status.QUEUED, requested_at__lt=now - QUEUED_STALE_AFTER)
    return PredictionTraining.objects.filter(running | queued).update(
        status=Status.FAILED, finished_at=now, error="The worker stopped reporting; the run was abandoned. Train again."
    )


def training_request(*, prediction: Prediction, now: datetime | None = None) -> tuple[PredictionTraining, bool]:
    """(run, created): a new queued run, or the one already queued or running (one at a time).

    The prediction row is locked so two clicks at once make one run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        Prediction.objects.select_for_update().get(pk=prediction.pk)
        active = (
            PredictionTraining.objects.filter(prediction=prediction, status__in=[Status.QUEUED, Status.RUNNING])
            .order_by("-id")
            .first()
        )
        if active is not None and not is_stale(active, now):
            return active, False
        if active is not None:
            fail_stale_trainings(now=now)
        return PredictionTraining.objects.create(prediction=prediction, stage="waiting for a worker"), True


def _claim(run_id: int, now: datetime) -> bool:
    # A conditional UPDATE: of two workers handed the same run, one wins.
    return bool(
        PredictionTraining.objects.filter(pk=run_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=now, heartbeat_at=now, stage="starting", progress=1
        )
    )


def training_run(*, run_id: int, now: datetime | None = None) -> PredictionTraining:
    """Train, measure, score everyone, and make this run the prediction's current model.

    Progress and a heartbeat are written as it goes (each in its own autocommit statement, so the
    page sees them). Any error leaves the run failed with its message and the previous model in use.
    """
    now = now or timezone.now()
    run = PredictionTraining.objects.select_related("prediction").get(pk=run_id)
    if not _claim(run_id, now):
        return run
    prediction = run.prediction

    def progress(stage: str, fraction: float) -> None:
        PredictionTraining.objects.filter(pk=run_id, status=Status.RUNNING).update(
            stage=stage[:120], progress=max(1, min(99, round(fraction * 100))), heartbeat_at=timezone.now()
        )

    try:
        trained = training.train(prediction, now=now, progress=progress)
        PredictionTraining.objects.filter(pk=run_id).update(
            spec=trained.spec, metrics=trained.metrics, model_text=trained.model_text, cutoff=trained.cutoff
        )
        run.refresh_from_db()
        progress("scoring customers", 0.92)
        scored = scoring.score_everyone(
            prediction, run, now=now, progress=lambda f: progress("scoring customers", 0.92 + 0.07 * f)
        )
        metrics = {**trained.metrics, "scored": scored}
        PredictionTraining.objects.filter(pk=run_id).update(
            status=Status.DONE, stage="done", progress=100, finished_at=timezone.now(), metrics=metrics
        )
    except Exception as error:  # any failure is the run's outcome, shown on its page
        PredictionTraining.objects.filter(pk=run_id).update(
            status=Status.FAILED, finished_at=timezone.now(), error=f"{error.__class__.__name__}: {error}"[:2000]
        )
    run.refresh_from_db()
    return run


def predictions_refresh(*, now: datetime | None = None) -> dict:
    """The hourly pass: abandon dead runs, retrain predictions that are due, rescore changed customers."""
    now = now or timezone.now()
    fail_stale_trainings(now=now)
    done = {"trained": 0, "rescored": 0}
    for prediction in Prediction.objects.select_related("current_training"):
        current = prediction.current_training
        due = current is None or (current.finished_at or now) <= now - timedelta(hours=prediction.retrain_hours)
        if due:
            run, created = training_request(prediction=prediction, now=now)
            if created:
                training_run(run_id=run.pk, now=now)
                done["trained"] += 1
        else:
            done["rescored"] += scoring.score_changed(prediction, now=now)
    return done
