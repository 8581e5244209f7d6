"""django-q2 entry points for predictions: a training asked for on a page, and the hourly refresh."""

from django.db import transaction
from django_q.tasks import async_task

from journeys.predictions import services


def prediction_train(run_id: int) -> str:
    run = services.training_run(run_id=run_id)
    return f"training #{run_id}: {run.status}"


def predictions_refresh() -> dict:
    """Scheduled hourly by migration 0017: retrains due predictions, rescores customers with new events."""
    return services.predictions_refresh()


def enqueue_training(run_id: int) -> None:
    """Hand the run to a worker once the transaction that created it commits."""
    transaction.on_commit(
        lambda: async_task("journeys.predictions.tasks.prediction_train", run_id, task_name=f"train-{run_id}")
    )
