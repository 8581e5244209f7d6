"""The engine holds a customer at a best_time wait until the hour their profile learnt."""

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.send_time.services import send_time_refresh
from tests.engine.helpers import enrollment_of, path_of, run, send
from tests.factories import make_customer, make_event, make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


def test_a_customer_is_scheduled_at_their_learnt_best_hour_within_the_window():
    source = make_source()
    ada = make_customer(external_id="ada", timezone="UTC")
    now = timezone.now()
    favourite = (now + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    # Sessions at that hour on each of the last three weeks' days, and one stray one.
    for days in range(1, 22):
        at = favourite - timedelta(days=days)
        make_event(customer=ada, source=source, name="Session Started", timestamp=at, received_at=at)
    stray = favourite - timedelta(days=2, hours=3)
    make_event(customer=ada, source=source, name="Session Started", timestamp=stray, received_at=stray)
    send_time_refresh(now=now)
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("w", "wait", {"mode": "best_time", "window_hours": 24}),
                node("x", "exit"),
            ],
            [("t", "next", "w"), ("w", "next", "x")],
        )
    )

    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.node_id == "w"
    assert enrollment.due_at == favourite
    step = enrollment.steps.order_by("id").last()
    assert "from 22 engagements" in step.reason

    run(now=favourite + timedelta(seconds=1))
    enrollment.refresh_from_db()
    assert enrollment.status == "exited"
    assert ("w", "passed", "next") in path_of(enrollment)
