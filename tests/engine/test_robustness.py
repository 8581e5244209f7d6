from collections import Counter

import pytest
from django.utils import timezone

from journeys import nodes
from journeys.engine.batch import BatchWriter
from journeys.engine.entry import Entrant, enroll
from journeys.engine.runner import MAX_STEPS_PER_RUN
from journeys.models import Customer, Enrollment, Journey, JourneyVersion, SplitAssignment
from journeys.nodes.base import NodeType, Outcome
from journeys.nodes.split import bucket
from journeys.selectors import node_counters
from tests.engine.helpers import run, send
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


class ExplodingNode(NodeType):
    """A node with a bug: it fails for customers flagged `explode`."""

    kind = "test_exploding"
    label = "Exploding (tests only)"
    category = "flow"
    from journeys.nodes.exit import Config

    def run(self, ctx):
        if ctx.customer.attributes.get("explode"):
            raise ValueError("bad data")
        return Outcome.go("next", "fine")


@pytest.fixture
def exploding_kind():
    with nodes.register_temporarily(ExplodingNode):
        yield


def enroll_customers(journey, customers, node_id="t"):
    writer = BatchWriter(timezone.now())
    entrants = [Entrant(c.pk, reason="test") for c in customers]
    ids = enroll(writer=writer, journey_id=journey.pk, node_id=node_id, entrants=entrants)
    writer.flush()
    return ids


def test_a_node_that_raises_errors_that_customer_only_and_the_batch_goes_on(exploding_kind):
    source = make_source()
    journey = make_journey(
        graph=make_graph(
            [node("t", "event_trigger", {"event": "Go"}), node("boom", "test_exploding"), node("x", "exit")],
            [("t", "next", "boom"), ("boom", "next", "x")],
        )
    )
    send(source, {"type": "identify", "userId": "bad", "traits": {"explode": True}})
    send(source, *[{"userId": name, "event": "Go"} for name in ("good1", "bad", "good2")])
    run()

    outcome = dict(Enrollment.objects.values_list("customer__external_id", "status"))
    assert outcome == {"good1": "exited", "bad": "errored", "good2": "exited"}
    bad = Enrollment.objects.get(customer__external_id="bad")
    assert bad.error == "ValueError: bad data"
    assert node_counters(journey.pk)["boom"]["errored"] == 1


def test_a_loop_without_a_wait_is_stopped_by_the_step_bound():
    # Validation refuses such a graph; build the version by hand to test the engine's own guard.
    graph = make_graph(
        [node("t", "api_trigger"), node("a", "jump", {"target": "b"}), node("b", "jump", {"target": "a"})],
        [("t", "next", "a")],
    )
    journey = Journey.objects.create(name="loops", graph=graph, status="live")
    journey.current_version = JourneyVersion.objects.create(journey=journey, number=1, graph=graph, settings={})
    journey.save()
    customer = Customer.objects.create(external_id="ada")
    enroll_customers(journey, [customer])

    run()

    enrollment = Enrollment.objects.get()
    assert enrollment.status == "errored"
    assert enrollment.error == f"more than {MAX_STEPS_PER_RUN} steps without a wait: the journey loops"


def test_split_assignment_is_sticky_and_follows_the_weights_for_10000_customers():
    journey = make_journey(
        graph=make_graph(
            [
                node("t", "api_trigger"),
                node("s", "split", {"variants": [{"key": "A", "weight": 70}, {"key": "B", "weight": 30}]}),
                node("a", "exit"),
                node("b", "exit"),
            ],
            [("t", "next", "s"), ("s", "A", "a"), ("s", "B", "b")],
        )
    )
    customers = Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(10_000)])
    enroll_customers(journey, customers)

    run()

    shares = Counter(SplitAssignment.objects.values_list("variant", flat=True))
    assert shares.total() == 10_000
    assert abs(shares["A"] / 10_000 - 0.70) < 0.02
    # Sticky: the same customer always lands in the same bucket at this node.
    sample = SplitAssignment.objects.order_by("id")[:50]
    for assignment in sample:
        point = bucket(journey.pk, "s", assignment.customer_id)
        assert (point < 70) == (assignment.variant == "A")
