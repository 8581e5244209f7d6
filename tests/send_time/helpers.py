"""Deliveries with engagement, for learning send times."""

from django.utils import timezone

from journeys.models import Delivery
from tests.factories import make_graph, make_journey, node


def make_opened_delivery(*, customer, opened_at, clicked_at=None, journey=None, node_id="email"):
    journey = journey or make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    enrollment = journey.enrollments.create(
        customer=customer,
        version=journey.versions.latest("id"),
        node_id=node_id,
        entered_at=timezone.now(),
        updated_at=timezone.now(),
        status="exited",
    )
    return Delivery.objects.create(
        enrollment=enrollment,
        journey=journey,
        version=enrollment.version,
        customer=customer,
        node_id=node_id,
        channel="email",
        status="sent",
        created_at=opened_at,
        sent_at=opened_at,
        opened_at=opened_at,
        clicked_at=clicked_at,
    )
