"""The engine, the validator, publishing and the catalog ask node kinds what they declare.

Each test registers a kind that only tests know, so nothing can be special-cased on a kind's name:
a new trigger, a new jump-like kind or a new kind with config-made ports works through its
declarations alone.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from journeys import nodes, services
from journeys.api.node_types import node_type_catalog
from journeys.engine.journeys_by_event import load_catalog
from journeys.graph import parse_graph, validate_graph
from journeys.models import Customer, Enrollment
from journeys.nodes.base import (
    AudienceEntry,
    CustomerView,
    EntryEvent,
    ExperimentOverride,
    NodeContext,
    NodeType,
    Outcome,
    TriggerNode,
)
from journeys.nodes.split import Split
from tests.engine.helpers import run, send
from tests.factories import make_customer, make_graph, make_journey, make_source, node

PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
NEXT_RUN = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


class Empty(serializers.Serializer):
    pass


class SignalTrigger(TriggerNode):
    """Enters on either of two events; the second only for pro customers' events."""

    kind = "test_signal_trigger"
    label = "Signal trigger (tests only)"
    Config = Empty

    def entry_events(self, config):
        return [EntryEvent("Ping"), EntryEvent("Pong", [{"property": "plan", "op": "eq", "value": "pro"}])]


class DoorTrigger(TriggerNode):
    """Enters through the API, like api_trigger, under another name."""

    kind = "test_door_trigger"
    label = "Door trigger (tests only)"
    enters_through_api = True
    Config = Empty


class CrowdConfig(serializers.Serializer):
    mode = serializers.ChoiceField(choices=("at_publish", "on_change", "schedule"))


class CrowdTrigger(TriggerNode):
    """Pro customers enter, in the mode its config names; a schedule always next runs at NEXT_RUN."""

    kind = "test_crowd_trigger"
    label = "Crowd trigger (tests only)"
    Config = CrowdConfig

    def audience(self, config):
        return AudienceEntry(PRO, config["mode"])

    def next_run_at(self, config, after):
        return NEXT_RUN if config["mode"] == "schedule" else None


class GotoConfig(serializers.Serializer):
    goto = serializers.CharField(max_length=64)


class Goto(NodeType):
    """Continues at the node its `goto` field names, as a jump does."""

    kind = "test_goto"
    label = "Goto (tests only)"
    category = "flow"
    ports = ()
    jump_target_field = "goto"
    Config = GotoConfig

    def run(self, ctx):
        return Outcome.jump(ctx.config["goto"], "went")


class Lane(serializers.Serializer):
    key = serializers.CharField(max_length=64)


class LanesConfig(serializers.Serializer):
    lanes = Lane(many=True)


class Lanes(NodeType):
    """One port per lane, then `rest`."""

    kind = "test_lanes"
    label = "Lanes (tests only)"
    category = "flow"
    ports = ("rest",)
    port_field = "lanes"
    Config = LanesConfig

    def run(self, ctx):
        return Outcome.go("rest", "rest")


@pytest.fixture
def test_kinds():
    with (
        nodes.register_temporarily(SignalTrigger),
        nodes.register_temporarily(DoorTrigger),
        nodes.register_temporarily(CrowdTrigger),
        nodes.register_temporarily(Goto),
        nodes.register_temporarily(Lanes),
    ):
        yield


def entered(journey) -> list[str]:
    return sorted(Enrollment.objects.filter(journey=journey).values_list("customer__external_id", flat=True))


# --- Triggers: how customers enter


@pytest.mark.django_db
def test_the_event_pass_enters_customers_on_the_events_a_trigger_declares(test_kinds):
    journey = make_journey(
        graph=make_graph([node("t", "test_signal_trigger"), node("x", "exit")], [("t", "next", "x")])
    )
    catalog = load_catalog()
    assert [(j, n) for j, n, _ in catalog.event_triggers["Ping"]] == [(journey.pk, "t")]

    source = make_source()
    send(
        source,
        {"userId": "pinger", "event": "Ping"},
        {"userId": "pro", "event": "Pong", "properties": {"plan": "pro"}},
        {"userId": "free", "event": "Pong", "properties": {"plan": "free"}},
        {"userId": "other", "event": "Something Else"},
    )
    run()

    assert entered(journey) == ["pinger", "pro"]


@pytest.mark.django_db
def test_the_api_enters_customers_at_a_trigger_that_declares_it(test_kinds):
    journey = make_journey(
        graph=make_graph([node("door", "test_door_trigger"), node("x", "exit")], [("door", "next", "x")])
    )

    enrollment_id = services.enrollment_create_from_api(journey=journey, external_id="ada")

    assert Enrollment.objects.get(pk=enrollment_id).node_id == "door"


@pytest.mark.django_db
def test_the_api_refuses_a_journey_whose_triggers_do_not_enter_through_it(test_kinds):
    journey = make_journey(
        graph=make_graph([node("t", "test_signal_trigger"), node("x", "exit")], [("t", "next", "x")])
    )

    with pytest.raises(services.JourneyError, match="no API trigger"):
        services.enrollment_create_from_api(journey=journey, external_id="ada")


@pytest.mark.django_db
def test_a_declared_audience_enters_its_members(test_kinds):
    make_customer(external_id="pro", attributes={"plan": "pro"})
    make_customer(external_id="free", attributes={"plan": "free"})
    journey = make_journey(
        graph=make_graph(
            [node("t", "test_crowd_trigger", {"mode": "at_publish"}), node("x", "exit")], [("t", "next", "x")]
        )
    )

    assert services.audience_enroll(journey.pk) == 1
    assert entered(journey) == ["pro"]


@pytest.mark.django_db
def test_an_on_change_audience_takes_in_customers_who_come_to_match(test_kinds):
    journey = make_journey(
        graph=make_graph(
            [node("t", "test_crowd_trigger", {"mode": "on_change"}), node("x", "exit")], [("t", "next", "x")]
        )
    )
    assert load_catalog().audience_on_change == [(journey.pk, "t", PRO)]
    customer = make_customer(external_id="late", attributes={"plan": "pro"})

    services.customers_changed(customer_ids=[customer.pk])

    assert entered(journey) == ["late"]


@pytest.mark.django_db
def test_only_an_on_change_audience_is_rechecked_when_profiles_change(test_kinds):
    make_journey(
        graph=make_graph(
            [node("t", "test_crowd_trigger", {"mode": "at_publish"}), node("x", "exit")], [("t", "next", "x")]
        )
    )

    assert load_catalog().audience_on_change == []


@pytest.mark.django_db
def test_publishing_plans_the_next_run_a_trigger_declares(test_kinds):
    scheduled = make_journey(
        graph=make_graph(
            [node("t", "test_crowd_trigger", {"mode": "schedule"}), node("x", "exit")], [("t", "next", "x")]
        )
    )
    unscheduled = make_journey(
        graph=make_graph(
            [node("t", "test_crowd_trigger", {"mode": "on_change"}), node("x", "exit")], [("t", "next", "x")]
        )
    )

    assert scheduled.next_audience_run_at == NEXT_RUN
    assert unscheduled.next_audience_run_at is None


@pytest.mark.django_db
def test_publishing_asks_the_audience_whether_it_enters_at_publish(test_kinds):
    from journeys.services import _has_audience_entry_at_publish

    modes = {}
    for mode in ("at_publish", "on_change", "schedule"):
        graph = make_graph([node("t", "test_crowd_trigger", {"mode": mode}), node("x", "exit")], [("t", "next", "x")])
        modes[mode] = _has_audience_entry_at_publish(make_journey(graph=graph).current_version)

    assert modes == {"at_publish": True, "on_change": True, "schedule": False}


# --- Jump targets and config-made ports


def test_the_validator_follows_a_declared_jump_target(test_kinds):
    spin = make_graph(
        [
            node("t", "test_signal_trigger"),
            node("sms", "send_sms", {"body": "Hi"}),
            node("g", "test_goto", {"goto": "sms"}),
        ],
        [("t", "next", "sms"), ("sms", "next", "g")],
    )

    result = validate_graph(spin)

    assert sorted(issue.node_id for issue in result.errors if issue.code == "cycle_without_wait") == ["g", "sms"]


def test_a_declared_jump_target_must_exist_and_must_not_be_a_trigger(test_kinds):
    nowhere = make_graph(
        [node("t", "test_signal_trigger"), node("g", "test_goto", {"goto": "nowhere"})], [("t", "next", "g")]
    )
    into_trigger = make_graph(
        [node("t", "test_signal_trigger"), node("g", "test_goto", {"goto": "t"})], [("t", "next", "g")]
    )

    assert [(e.code, e.node_id, e.field) for e in validate_graph(nowhere).errors] == [("invalid_config", "g", "goto")]
    assert [(e.code, e.node_id, e.field) for e in validate_graph(into_trigger).errors] == [
        ("edge_into_trigger", "g", "goto")
    ]


def test_a_node_reached_only_through_a_declared_jump_target_is_reachable(test_kinds):
    graph = make_graph(
        [node("t", "test_signal_trigger"), node("g", "test_goto", {"goto": "later"}), node("later", "exit")],
        [("t", "next", "g")],
    )

    result = validate_graph(graph)

    assert result.ok and result.warnings == []


def test_a_declared_port_field_makes_the_ports_for_validation_the_engine_and_the_canvas(test_kinds):
    graph = make_graph(
        [node("t", "test_signal_trigger"), node("l", "test_lanes", {"lanes": [{"key": "fast"}]}), node("x", "exit")],
        [("t", "next", "l"), ("l", "fast", "x"), ("l", "slow", "x")],
    )

    errors = validate_graph(graph).errors

    assert [(e.code, e.field) for e in errors] == [("unknown_port", "slow")]
    assert "fast, rest" in errors[0].message
    graph["edges"].pop()
    assert parse_graph(graph).next_node("l", "fast") == "x"
    entry = next(entry for entry in node_type_catalog() if entry["kind"] == "test_lanes")
    assert (entry["port_field"], entry["extra_ports"], entry["dynamic_ports"]) == ("lanes", ["rest"], True)


# --- Experiment overrides reach a split through its context


def split_context(override, *, context=None) -> NodeContext:
    now = timezone.now()
    return NodeContext(
        node_id="s",
        config={"variants": [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}], "winner": ""},
        now=now,
        journey_id=1,
        enrollment_id=1,
        entered_at=now - timedelta(minutes=1),
        customer=CustomerView(7, "ada", "", "", "UTC", {}, {}),
        context=context or {},
        visit=1,
        event_count=None,
        experiment_override=override,
    )


def test_a_split_follows_the_winner_in_its_context_without_the_database():
    # No django_db mark: pytest-django fails the test if the split tries to read the database.
    outcome = Split().run(split_context(ExperimentOverride(winner="B", weights=None)))

    assert (outcome.port, outcome.reason) == ("B", "winner B declared")


def test_a_split_follows_bandit_weights_in_its_context():
    all_to_a = Split().run(split_context(ExperimentOverride(winner="", weights={"A": 100.0, "B": 0.0})))
    all_to_b = Split().run(split_context(ExperimentOverride(winner="", weights={"A": 0.0, "B": 100.0})))

    assert (all_to_a.port, all_to_b.port) == ("A", "B")
    assert all_to_a.reason == "bandit assigned variant A"


@pytest.mark.django_db
def test_the_engine_reads_experiment_overrides_once_per_batch(monkeypatch):
    from journeys.engine import runner
    from journeys.experiments import services as experiments

    journey = make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("s", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}),
                node("a", "exit"),
                node("b", "exit"),
            ],
            [("t", "next", "s"), ("s", "A", "a"), ("s", "B", "b")],
        )
    )
    experiment = experiments.experiment_get_or_create(journey=journey, node_id="s")
    experiment.winner = "B"
    experiment.save()
    loads = []
    real_load = runner.load_overrides
    monkeypatch.setattr(runner, "load_overrides", lambda: loads.append(1) or real_load())

    send(make_source(), *({"userId": f"c{i}", "event": "Signed Up"} for i in range(5)))
    run()

    assert len(loads) == 1  # one tick batch took all five through the split
    assert set(Enrollment.objects.filter(journey=journey).values_list("exit_reason", flat=True)) == {"reached an exit"}
    assert set(Enrollment.objects.filter(journey=journey).values_list("node_id", flat=True)) == {"b"}
    assert Customer.objects.count() == 5


@pytest.mark.django_db
def test_nodes_that_do_not_ask_for_overrides_cost_no_query(monkeypatch):
    from journeys.engine import runner

    make_journey(
        graph=make_graph([node("t", "event_trigger", {"event": "Go"}), node("x", "exit")], [("t", "next", "x")])
    )
    loads = []
    monkeypatch.setattr(runner, "load_overrides", lambda: loads.append(1) or {})

    send(make_source(), {"userId": "ada", "event": "Go"})
    run()

    assert loads == []
