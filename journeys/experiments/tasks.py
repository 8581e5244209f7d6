"""django-q2 entry point for experiments (scheduled every minute by migration 0008)."""


def bandits_reallocate_due() -> int:
    from journeys.experiments.services import bandits_run_due

    return bandits_run_due()
