"""One journey never harms the others: a failure while handling it errors its own customers,
is counted where the canvas shows errors, and every other journey in the batch moves on."""

import pytest

from journeys.engine import events as event_pass
from journeys.models import Enrollment, JourneyVersion, NodeStat
from journeys.nodes.exit import Exit
from journeys.sql import bulk_cursor
from tests.engine.helpers import quick_journey, run, send, waiting_journey
from tests.factories import make_source

pytestmark = pytest.mark.django_db

PEOPLE = ["ada", "bob", "cy"]


@pytest.fixture
def source():
    return make_source()


def counted(journey, node_id: str | None, metric: str) -> int:
    """A counter at one node, or over the whole journey (node_id None)."""
    stats = NodeStat.objects.filter(journey=journey, metric=metric)
    if node_id is not None:
        stats = stats.filter(node_id=node_id)
    return sum(stats.values_list("value", flat=True))


def statuses(journey) -> dict[str, str]:
    return dict(Enrollment.objects.filter(journey=journey).values_list("customer__external_id", "status"))


def sign_up(source, *people):
    send(source, *[{"userId": person, "event": "Signed Up"} for person in people])
    run()


def spoil_the_transaction():
    """A real database error: after it, the transaction accepts nothing until it rolls back."""
    with bulk_cursor() as cursor:
        cursor.execute("SELECT 1 / 0")


def test_a_published_re_entry_gap_that_overflows_does_not_stop_a_healthy_journey(source):
    healthy = quick_journey()
    broken = quick_journey(re_entry={"mode": "any_time", "min_gap_seconds": 60})
    # Published before settings had bounds: the stored version carries the bad gap.
    JourneyVersion.objects.filter(journey=broken).update(
        settings={"re_entry": {"mode": "any_time", "min_gap_seconds": 10**15}}
    )

    sign_up(source, *PEOPLE)

    assert statuses(healthy) == dict.fromkeys(PEOPLE, "exited")
    assert counted(healthy, "t", "entered") == 3
    assert statuses(broken) == {}
    assert counted(broken, "t", "errored") == 3  # the ones it could not take in, shown on its trigger

    # And the next batch too: the inbox is not stuck on the bad journey.
    sign_up(source, "dee")
    assert statuses(healthy)["dee"] == "exited"
    assert counted(broken, "t", "errored") == 4


def test_a_database_error_while_entering_one_journey_leaves_the_others_entering(source, monkeypatch):
    healthy = waiting_journey()
    broken = waiting_journey()
    real_enroll = event_pass.enroll

    def enroll(*, journey_id, **kwargs):
        if journey_id == broken.id:
            spoil_the_transaction()
        return real_enroll(journey_id=journey_id, **kwargs)

    monkeypatch.setattr(event_pass, "enroll", enroll)

    sign_up(source, *PEOPLE)

    assert statuses(healthy) == dict.fromkeys(PEOPLE, "active")
    assert counted(healthy, "w", "waiting") == 3
    assert statuses(broken) == {}
    assert counted(broken, "t", "errored") == 3


def test_a_failing_exit_criterion_errors_its_own_customers_and_others_still_exit(source, monkeypatch):
    unsubscribed = [{"event": "Unsubscribed", "filters": [{"property": "list", "op": "eq", "value": "news"}]}]
    healthy = waiting_journey(exit_criteria=unsubscribed)
    broken = waiting_journey(
        exit_criteria=[{"event": "Unsubscribed", "filters": [{"property": "list", "op": "eq", "value": "boom"}]}]
    )
    sign_up(source, *PEOPLE)
    real_match = event_pass.filters_match

    def filters_match(filters, properties):
        if any(f.get("value") == "boom" for f in filters):
            raise ValueError("a condition that cannot be evaluated")
        return real_match(filters, properties)

    monkeypatch.setattr(event_pass, "filters_match", filters_match)

    send(source, *[{"userId": person, "event": "Unsubscribed", "properties": {"list": "news"}} for person in PEOPLE])
    run()

    assert statuses(healthy) == dict.fromkeys(PEOPLE, "exited")
    assert statuses(broken) == dict.fromkeys(PEOPLE, "errored")
    assert counted(broken, "w", "errored") == 3
    assert all(
        "ValueError" in error for error in Enrollment.objects.filter(journey=broken).values_list("error", flat=True)
    )


def test_a_database_error_in_one_journeys_node_does_not_stop_the_tick_for_the_others(source, monkeypatch):
    healthy = quick_journey()
    broken = quick_journey()
    real_run = Exit.run

    def run_exit(self, ctx):
        if ctx.journey_id == broken.id:
            spoil_the_transaction()
        return real_run(self, ctx)

    monkeypatch.setattr(Exit, "run", run_exit)

    sign_up(source, *PEOPLE)

    assert statuses(healthy) == dict.fromkeys(PEOPLE, "exited")
    assert counted(healthy, "x", "exited") == 3
    assert statuses(broken) == dict.fromkeys(PEOPLE, "errored")
    # Where they stood when the batch was taken: the failed run's moves were rolled back.
    assert counted(broken, None, "errored") == 3
    assert all(
        "DivisionByZero" in error for error in Enrollment.objects.filter(journey=broken).values_list("error", flat=True)
    )


def test_a_python_error_in_one_journeys_node_errors_only_its_customers(source, monkeypatch):
    healthy = quick_journey()
    broken = quick_journey()
    real_run = Exit.run

    def run_exit(self, ctx):
        if ctx.journey_id == broken.id:
            raise RuntimeError("a bug in one node")
        return real_run(self, ctx)

    monkeypatch.setattr(Exit, "run", run_exit)

    sign_up(source, *PEOPLE)

    assert statuses(healthy) == dict.fromkeys(PEOPLE, "exited")
    assert statuses(broken) == dict.fromkeys(PEOPLE, "errored")
    assert counted(broken, "x", "errored") == 3
