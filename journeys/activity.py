"""What the product did lately, for the one status line `manage.py serve` prints each minute.

Counted from the growth of the newest id of the event, step and delivery tables: one index
lookup each, however large the tables are, where counting rows by time would scan them.
Sequences can skip numbers (a rolled-back insert), so the counts are close, not exact; the
line says what moved, the canvas and reports say how much.
"""

from dataclasses import dataclass

from django.db.models import Max

from journeys.models import Delivery, Event, Step


@dataclass(frozen=True)
class Activity:
    events: int = 0
    steps: int = 0
    messages: int = 0


def _newest_ids() -> Activity:
    return Activity(
        events=Event.objects.aggregate(newest=Max("id"))["newest"] or 0,
        steps=Step.objects.aggregate(newest=Max("id"))["newest"] or 0,
        messages=Delivery.objects.aggregate(newest=Max("id"))["newest"] or 0,
    )


class ActivitySummary:
    """Each `since_last()` gives what was added since the previous call (the first call sets the mark)."""

    def __init__(self):
        self._mark: Activity | None = None

    def since_last(self) -> Activity | None:
        newest = _newest_ids()
        previous, self._mark = self._mark, newest
        if previous is None:
            return None
        return Activity(
            events=max(0, newest.events - previous.events),
            steps=max(0, newest.steps - previous.steps),
            messages=max(0, newest.messages - previous.messages),
        )


def describe(activity: Activity) -> str:
    return f"{activity.events} events in, {activity.steps} journey steps, {activity.messages} messages queued"
