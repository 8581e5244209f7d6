"""django-q2 entry point for experiments (scheduled every minute by migration 0009)."""

from journeys.experiments.services import bandits_run_due


def bandits_reallocate_due() -> int:
    return bandits_run_due()
