"""Driving the engine from tests: send events, then run passes until nothing moves."""

from django.utils import timezone

from journeys.engine.events import process_events
from journeys.engine.tick import tick
from journeys.ingest.messages import parse_messages
from journeys.ingest.services import events_ingest
from journeys.models import Customer, Enrollment
from tests.factories import make_graph, make_journey, node


def send(source, *messages: dict, received_at=None) -> None:
    """Ingest track/identify messages as the /v1 endpoints would (type defaults to track).

    `received_at` places them on a test's moved clock (a wait only hears events after it began).
    """
    received_at = received_at or timezone.now()
    raw = [{"type": "track", **message} for message in messages]
    parsed, errors = parse_messages(raw, received_at=received_at, max_message_bytes=32 * 1024)
    assert not errors, errors
    events_ingest(source_id=source.id, messages=parsed, received_at=received_at)


def run(now=None, *, rounds: int = 20) -> int:
    """Apply pending events and advance due customers until nothing more happens; return rows moved."""
    moved = 0
    for _ in range(rounds):
        done = process_events(now=now) + tick(now=now).claimed
        if not done:
            return moved
        moved += done
    raise AssertionError("the engine kept working: a loop?")


def enrollment_of(journey, external_id: str) -> Enrollment:
    return Enrollment.objects.get(journey=journey, customer=Customer.objects.get(external_id=external_id))


def path_of(enrollment: Enrollment) -> list[tuple[str, str, str]]:
    return list(enrollment.steps.order_by("id").values_list("node_id", "action", "port"))


def quick_journey(**settings):
    """Signed Up -> exit at once."""
    return make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Signed Up"}), node("x", "exit")], [("t", "next", "x")]),
        settings=settings,
    )


def waiting_journey(**settings):
    """Signed Up -> wait a day (so customers stay inside)."""
    return make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("w", "wait", {"mode": "duration", "seconds": 86400}),
            ],
            [("t", "next", "w")],
        ),
        settings=settings,
    )
