"""django-q2 tasks: thin entry points into the engine and delivery services."""

import time

from django.conf import settings
from django_q.tasks import async_task

from journeys.engine.loop import run_engine, slot_is_free

LOOP_SECONDS = 55  # well under the cluster's task timeout; the loop then hands over to a fresh task
_last_delivery_kick = 0.0


def engine_loop(slot: int, seconds: float = LOOP_SECONDS) -> dict:
    stats = run_engine(seconds=seconds, slot=slot)
    if stats.ticks:  # this task held the slot: keep it running without waiting for the watchdog
        async_task("journeys.tasks.engine_loop", slot, seconds, group="engine")
    return {"slot": slot, "events": stats.events, "enrollments": stats.enrollments, "ticks": stats.ticks}


def engine_watchdog() -> int:
    """Start an engine loop in every free slot (run every minute, and when the product starts)."""
    started = 0
    for slot in range(settings.ENGINE_LOOPS):
        if slot_is_free(slot):
            async_task("journeys.tasks.engine_loop", slot, group="engine")
            started += 1
    return started


def deliveries_kick() -> None:
    """Ask a worker to send queued deliveries; at most twice a second per process."""
    global _last_delivery_kick
    if time.monotonic() - _last_delivery_kick > 0.5:
        _last_delivery_kick = time.monotonic()
        async_task("journeys.tasks.deliveries_send_queued", group="deliveries")


def deliveries_send_queued() -> int:
    from journeys.delivery import deliveries_run

    return deliveries_run()


def audiences_run_scheduled() -> int:
    from journeys.services import audiences_run_due

    return audiences_run_due()


def node_stat_totals_refresh() -> int:
    from journeys.services import node_stat_totals_refresh

    return node_stat_totals_refresh()
