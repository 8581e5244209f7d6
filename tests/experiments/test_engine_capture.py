"""The engine keeps exposures and conversions as customers move, and split nodes obey decisions."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.experiments import services
from journeys.experiments.selectors import experiment_report
from journeys.models import Customer, ExperimentConversion, ExperimentExposure, SplitAssignment
from journeys.nodes.split import bucket
from journeys.roles import REVIEWERS
from tests.engine.helpers import run, send
from tests.experiments.helpers import experiment_journey
from tests.factories import make_source, make_user


@pytest.fixture
def source(db):
    return make_source()


def variant_of(journey, external_id):
    customer = Customer.objects.get(external_id=external_id)
    return ExperimentExposure.objects.get(journey=journey, customer_id=customer.id).variant


def test_a_customer_is_exposed_once_and_keeps_the_first_variant_on_re_entry(source):
    journey = experiment_journey(re_entry="any_time")
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    assert SplitAssignment.objects.filter(journey=journey).count() == 2
    exposure = ExperimentExposure.objects.get(journey=journey)
    assert set(SplitAssignment.objects.values_list("variant", flat=True)) == {exposure.variant}


def test_a_goal_event_after_assignment_counts_for_the_variant(source):
    journey = experiment_journey()
    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "bob", "event": "Signed Up"})
    run()
    send(source, {"userId": "ada", "event": "Purchased"}, {"userId": "ada", "event": "Purchased"})
    run()

    conversion = ExperimentConversion.objects.get()
    assert conversion.metric == "goal"
    assert conversion.variant == variant_of(journey, "ada")
    report = experiment_report(journey.experiments.get_or_create(node_id="s")[0])
    counts = {v["key"]: (v["exposed"], v["conversions"]) for v in report["primary"]["variants"]}
    assert sum(exposed for exposed, _ in counts.values()) == 2
    assert counts[variant_of(journey, "ada")][1] == 1


def test_a_goal_event_after_the_window_does_not_count(source):
    journey = experiment_journey(window_days=1)
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    exposure = ExperimentExposure.objects.get()
    exposure.assigned_at -= timedelta(days=2)
    exposure.save()

    send(source, {"userId": "ada", "event": "Purchased"})
    run()

    assert not ExperimentConversion.objects.exists()
    assert journey.pk


def test_secondary_and_guardrail_metrics_count_their_own_events(source):
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    clicked = services.experiment_metric_add(experiment=experiment, kind="secondary", event="Clicked", window_days=3)
    unsub = services.experiment_metric_add(experiment=experiment, kind="guardrail", event="Unsubscribed", window_days=3)
    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "bob", "event": "Signed Up"})
    run()
    send(source, {"userId": "ada", "event": "Clicked"}, {"userId": "bob", "event": "Unsubscribed"})
    run()

    assert set(ExperimentConversion.objects.values_list("metric", flat=True)) == {str(clicked.id), str(unsub.id)}
    report = experiment_report(experiment)
    guardrail = next(m for m in report["metrics"] if m["kind"] == "guardrail")
    assert sum(v["conversions"] for v in guardrail["summary"]["variants"]) == 1


def test_events_of_customers_never_exposed_write_nothing(source):
    experiment_journey()
    send(source, {"userId": "zoe", "event": "Purchased"})
    run()
    assert not ExperimentConversion.objects.exists()


@pytest.mark.parametrize(("kind", "arm"), [("winner", "B"), ("stop", "A")])
def test_a_decision_mid_flight_routes_new_customers_only(source, kind, arm):
    journey = experiment_journey()
    early = [f"early{i}" for i in range(40)]
    send(source, *({"userId": u, "event": "Signed Up"} for u in early))
    run()
    before = {u: variant_of(journey, u) for u in early}
    assert set(before.values()) == {"A", "B"}  # 40 customers at 50/50: both arms used

    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    reviewer = make_user(role=REVIEWERS)
    decision = services.experiment_decide(experiment=experiment, kind=kind, variant=arm, user=reviewer)

    late = [f"late{i}" for i in range(40)]
    send(source, *({"userId": u, "event": "Signed Up"} for u in late))
    run()

    # Those already past the split stay where they are; everyone after the decision takes the chosen arm.
    assert {u: variant_of(journey, u) for u in early} == before
    late_ids = list(Customer.objects.filter(external_id__in=late).values_list("id", flat=True))
    late_variants = Counter(
        SplitAssignment.objects.filter(journey=journey, customer_id__in=late_ids).values_list("variant", flat=True)
    )
    assert late_variants == {arm: 40}
    assert decision.decided_by == reviewer
    assert (
        decision.figures["primary"]["variants"][0]["exposed"] + decision.figures["primary"]["variants"][1]["exposed"]
        == 40
    )
    # The report ends at the decision: customers routed to the chosen arm afterwards are not in the comparison.
    experiment.refresh_from_db()
    report = experiment_report(experiment)
    assert sum(v["exposed"] for v in report["primary"]["variants"]) == 40
    assert report["decisions"][0]["decided_by"] == reviewer.username


def test_a_decision_cannot_be_made_twice_or_for_an_unknown_arm(source):
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    with pytest.raises(services.ExperimentError):
        services.experiment_decide(experiment=experiment, kind="winner", variant="Z", user=None)
    services.experiment_decide(experiment=experiment, kind="stop", variant="A", user=None)
    with pytest.raises(services.ExperimentError):
        services.experiment_decide(experiment=experiment, kind="winner", variant="B", user=None)


def test_assignment_follows_the_stable_hash_without_overrides(source):
    journey = experiment_journey()
    send(source, *({"userId": f"c{i}", "event": "Signed Up"} for i in range(30)))
    run()
    for exposure in ExperimentExposure.objects.all():
        assert (bucket(journey.pk, "s", exposure.customer_id) < 50) == (exposure.variant == "A")


def test_the_split_uses_bandit_weights_while_set(source):
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    experiment.weights = {"A": 1.0, "B": 99.0}
    experiment.save()
    send(source, *({"userId": f"c{i}", "event": "Signed Up"} for i in range(60)))
    run(now=timezone.now())
    for exposure in ExperimentExposure.objects.all():
        assert (bucket(journey.pk, "s", exposure.customer_id) < 1) == (exposure.variant == "A")


def test_a_revisit_in_the_same_enrollment_keeps_its_arm_when_bandit_weights_move(source):
    from journeys.engine.runner import load_customers
    from journeys.experiments import routing
    from journeys.models import Enrollment
    from journeys.nodes.base import NodeContext
    from journeys.nodes.split import Split

    journey = experiment_journey()
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    first = variant_of(journey, "ada")
    other = "B" if first == "A" else "A"
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    experiment.weights = {first: 0.0, other: 100.0}
    experiment.save()

    enrollment = Enrollment.objects.get(journey=journey)
    customers = load_customers({enrollment.customer_id})
    ctx = NodeContext(
        node_id="s",
        config={"variants": [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]},
        now=timezone.now(),
        journey_id=journey.pk,
        enrollment_id=enrollment.pk,
        entered_at=enrollment.entered_at,
        customer=customers[enrollment.customer_id],
        context=enrollment.context,
        visit=2,
        event_count=None,
        default_timezone="UTC",
        experiment_override=routing.load_overrides()[(journey.pk, "s")],
    )
    assert Split().run(ctx).port == first
    ctx.context = {}
    assert Split().run(ctx).port == other  # a new enrollment follows the bandit weights


def test_an_exposure_follows_a_merged_profile_and_its_later_goal_counts(source):
    journey = experiment_journey()
    send(source, {"userId": "ada", "event": "Browsed"})  # a known profile, not in the journey
    send(source, {"anonymousId": "device-1", "event": "Signed Up"})  # an anonymous visitor enters and is split
    run()
    exposure = ExperimentExposure.objects.get(journey=journey)

    send(source, {"type": "identify", "userId": "ada", "anonymousId": "device-1"})  # the visitor was Ada
    run()
    send(source, {"userId": "ada", "event": "Purchased"})
    run()

    exposure.refresh_from_db()
    assert exposure.customer_id == Customer.objects.get(external_id="ada").id
    assert ExperimentConversion.objects.get().exposure_id == exposure.id


def test_after_a_decision_the_report_shows_all_traffic_on_the_chosen_arm(source):
    journey = experiment_journey()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    services.experiment_decide(experiment=experiment, kind="winner", variant="B", user=None)
    experiment.refresh_from_db()
    weights = {v["key"]: v["current_weight"] for v in experiment_report(experiment)["experiment"]["variants"]}
    assert weights == {"A": 0.0, "B": 100.0}


def test_customers_assigned_before_a_decision_keep_converting_after_it(source):
    journey = experiment_journey()
    send(source, *({"userId": f"c{i}", "event": "Signed Up"} for i in range(10)))
    run()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    decision = services.experiment_decide(experiment=experiment, kind="winner", variant="B", user=None)
    send(source, {"userId": "c1", "event": "Purchased"}, {"userId": "late", "event": "Signed Up"})
    run()
    send(source, {"userId": "late", "event": "Purchased"})
    run()

    experiment.refresh_from_db()
    report = experiment_report(experiment)
    assert sum(v["exposed"] for v in report["primary"]["variants"]) == 10  # "late" came after the decision
    assert sum(v["conversions"] for v in report["primary"]["variants"]) == 1  # c1, after the decision
    assert sum(v["conversions"] for v in decision.figures["primary"]["variants"]) == 0  # as it stood then
