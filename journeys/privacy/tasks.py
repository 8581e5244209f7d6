"""Background work of privacy requests, run by the django-q2 cluster."""

from journeys.privacy import services


def privacy_request_run(request_id: int) -> str:
    return services.privacy_request_run(request_id).status


def privacy_exports_expire() -> int:
    return services.exports_expire()


def privacy_request_enqueue(request_id: int) -> None:
    from django_q.tasks import async_task

    async_task("journeys.privacy.tasks.privacy_request_run", request_id, group="privacy")
