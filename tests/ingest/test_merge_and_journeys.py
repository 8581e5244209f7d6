import pytest

from journeys.models import Enrollment
from journeys.selectors import node_counters
from tests.engine.helpers import run, send
from tests.engine.test_entry_and_goals import waiting_journey
from tests.factories import make_source

pytestmark = pytest.mark.django_db


def test_a_merge_that_exits_a_waiting_enrollment_keeps_the_gauges_true():
    source = make_source()
    journey = waiting_journey()
    send(source, {"anonymousId": "device-1", "event": "Signed Up"})
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    assert node_counters(journey.pk)["w"]["waiting"] == 2
    send(source, {"type": "identify", "userId": "ada", "anonymousId": "device-1"})  # folds the anonymous profile
    run()
    active = Enrollment.objects.filter(journey=journey, status="active").count()
    counters = node_counters(journey.pk)["w"]
    assert active == 1
    assert counters["waiting"] == active, counters
    assert counters.get("exited", 0) == 1, counters
