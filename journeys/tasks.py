"""django-q2 tasks: thin entry points for scheduled and one-off jobs.

The hot loops (the engine and the delivery sender) are not tasks: they run as processes of
their own (`manage.py engine`, `manage.py deliver`) under `manage.py serve`'s supervision,
because a django-q2 cluster can stop running tasks for good after losing one worker
(upstream django-q2 #23 and #339).
"""

from pathlib import Path


def cluster_heartbeat(directory: str, token: str) -> None:
    """Leave `token` in `directory`: the supervisor that queued it learns the cluster still runs tasks.

    A supervisor that has gone (and removed its directory) does not get its directory back.
    """
    folder = Path(directory)
    if folder.is_dir():
        (folder / token).touch()


def audiences_run_scheduled() -> int:
    from journeys.services import audiences_run_due

    return audiences_run_due()


def node_stat_totals_refresh() -> int:
    from journeys.services import node_stat_totals_refresh

    return node_stat_totals_refresh()


def send_time_refresh() -> int:
    from journeys.send_time.services import send_time_refresh

    return send_time_refresh()


def monitoring_run() -> int:
    from journeys.monitoring.services import monitoring_run

    return monitoring_run()
