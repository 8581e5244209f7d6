"""The simulation: one test profile through a compiled graph, on a clock that jumps instead of waiting.

The engine's Runner makes every decision (the same node kinds, conditions, waits, splits, the
same loop guard); this module only plays the event pass and the timer loop in between: it
moves the clock to the next injected event or the next due moment, whichever comes first,
until the customer leaves the journey or the horizon is reached.
"""

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from journeys.conditions import filters_match
from journeys.delivery import channels
from journeys.engine.runner import Runner, _apply_locally
from journeys.engine.state import EnrollmentState
from journeys.graph import CompiledGraph
from journeys.nodes.base import EventWait, UpdateAttributes
from journeys.simulation.messages import MessageRenderer
from journeys.simulation.profile import TestProfile

MAX_EVENTS = 50
MAX_HORIZON_SECONDS = 365 * 86400
# Steps recorded in one test run at most: a loop paced by waits would otherwise fill the horizon.
MAX_STEPS = 5000
DEFAULT_MAX_STEPS = 1000


@dataclass(frozen=True)
class InjectedEvent:
    """An event the test profile does `offset_seconds` after entering (track events only)."""

    name: str
    offset_seconds: int
    properties: dict = field(default_factory=dict)


@dataclass
class SimulationResult:
    status: str  # exited, errored, waiting (at the horizon), step_limit
    started_at: datetime
    ended_at: datetime
    node_id: str
    exit_reason: str
    next_due_at: datetime | None
    waiting_for: str
    converted_at: datetime | None
    steps: list[dict]
    events: list[dict]
    attributes: dict

    def messages(self) -> list[dict]:
        return [message for step in self.steps for message in step["messages"]]

    def visited_nodes(self) -> list[str]:
        return list(dict.fromkeys(step["node_id"] for step in self.steps))

    def as_dict(self, graph: CompiledGraph) -> dict:
        edges = []
        for step in self.steps:
            port = step["port"]
            if step["action"] == "entered" and step["node_id"] in graph.triggers:
                port = "next"  # a trigger's step records the entry; the customer goes on by its one port
            elif step["action"] != "passed":
                continue
            target = graph.next_node(step["node_id"], port) if port else None
            if target is not None:
                edge = {"source": step["node_id"], "port": port, "target": target}
                if edge not in edges:
                    edges.append(edge)
        return {
            "status": self.status,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "node_id": self.node_id,
            "exit_reason": self.exit_reason,
            "next_due_at": self.next_due_at,
            "waiting_for": self.waiting_for,
            "converted_at": self.converted_at,
            "steps": self.steps,
            "events": self.events,
            "attributes": self.attributes,
            "visited_nodes": self.visited_nodes(),
            "visited_edges": edges,
        }


class _Recorder:
    """Stands in for the engine's BatchWriter: what it would write becomes the test run's path.

    `now` is moved by the simulation before each Runner is made (a Runner reads it once).
    """

    def __init__(self, *, start: datetime, graph: CompiledGraph, renderer: MessageRenderer, attributes: dict):
        self.now = start
        self.start = start
        self.graph = graph
        self.renderer = renderer
        self.attributes = attributes  # the profile's, changed in place by the Runner
        self.steps: list[dict] = []
        self.state: EnrollmentState | None = None
        # Messages and attribute changes come before the step of the node that made them.
        self._pending_messages: list[dict] = []
        self._pending_changes: list[dict] = []

    def _when(self) -> dict:
        return {"at": self.now, "offset_seconds": int((self.now - self.start).total_seconds())}

    def step(self, *, enrollment_id, journey_id, customer_id, node_id, action, reason, port=""):
        node = self.graph.nodes.get(node_id)
        self.steps.append(
            {
                **self._when(),
                "node_id": node_id,
                "kind": node.kind if node else "",
                "label": node.label if node else "",
                "action": action,
                "port": port,
                "reason": reason[:500],
                "messages": [m for m in self._pending_messages if m["node_id"] == node_id],
                "attribute_changes": [c for c in self._pending_changes if c["node_id"] == node_id],
            }
        )
        self._pending_messages = [m for m in self._pending_messages if m["node_id"] != node_id]
        self._pending_changes = [c for c in self._pending_changes if c["node_id"] != node_id]

    def count(self, journey_id, node_id, metric, delta=1):
        pass  # counters are for live traffic only

    def gauge(self, journey_id, node_id, metric, delta):
        pass

    def assign(self, **assignment):
        pass  # the split's step says which variant; no assignment row for an experiment to count

    def deliver(
        self, *, enrollment_id, journey_id, version_id, customer_id, node_id, visit, channel, payload, entered_at
    ):
        context = self.state.context if self.state is not None else {}
        message = self.renderer.render(channel=channel, payload=payload, node_id=node_id, enrollment_context=context)
        self._pending_messages.append({**self._when(), **message})

    def change_attributes(self, customer_id: int, update: UpdateAttributes):
        after = copy.deepcopy(self.attributes)
        _apply_locally(after, update)  # what the Runner is about to do to the profile
        names = [*update.remove, *update.set, *update.increment]
        operations = {
            **dict.fromkeys(update.remove, "remove"),
            **dict.fromkeys(update.set, "set"),
            **dict.fromkeys(update.increment, "increment"),
        }
        for name in dict.fromkeys(names):
            self._pending_changes.append(
                {
                    **self._when(),
                    "node_id": self.state.node_id if self.state is not None else "",
                    "attribute": name,
                    "operation": operations[name],
                    "before": self.attributes.get(name),
                    "after": after.get(name),
                }
            )


class _TestRunner(Runner):
    """The engine's Runner on the graph under test, reading events from the simulation, not the database."""

    def __init__(self, writer: _Recorder, profile: TestProfile, graph: CompiledGraph, simulation: "_Simulation"):
        super().__init__(writer, {profile.view.id: profile.view})
        self.graph = graph
        self.simulation = simulation

    def graph_for(self, state: EnrollmentState):
        return self.graph

    def event_counter(self, customer_id: int):
        return self.simulation.event_count

    def _seen_since(self, state: EnrollmentState, wait: EventWait, since) -> bool:
        return any(
            event.name == wait.event and since <= at <= self.now and filters_match(list(wait.filters), event.properties)
            for at, event in self.simulation.delivered
        )


class _Simulation:
    def __init__(self, *, graph, settings, journey_id, journey_name, version_id, profile, start):
        self.graph = graph
        self.settings = settings or {}
        self.profile = profile
        self.start = start
        self.delivered: list[tuple[datetime, InjectedEvent]] = []
        # The event that entered the customer: in the event log by the time any node counts events
        # (as the engine stores it before it runs), but never news to a wait that starts with it.
        self.entry_event: tuple[datetime, InjectedEvent] | None = None
        self.customer = profile.as_dict
        renderer = MessageRenderer(
            customer=self.customer, existing=profile.existing, journey={"id": journey_id, "name": journey_name}
        )
        self.writer = _Recorder(start=start, graph=graph, renderer=renderer, attributes=profile.view.attributes)
        self.journey_id = journey_id
        self.version_id = version_id
        self.converted_at = None
        self._stored_counter = None
        if profile.existing:
            from journeys.engine.audience import event_counter

            self._stored_counter = event_counter(profile.view.id)

    def runner(self, now: datetime) -> _TestRunner:
        self.writer.now = now
        return _TestRunner(self.writer, self.profile, self.graph, self)

    def event_count(self, name: str, since: datetime | None, filters: list | tuple = ()) -> int:
        """Events of the stored history (a real customer) plus those injected up to the simulated now."""
        now = self.writer.now
        seen = self.delivered if self.entry_event is None else [self.entry_event, *self.delivered]
        count = sum(
            1
            for at, event in seen
            if event.name == name
            and at <= now
            and (since is None or at >= since)
            and filters_match(list(filters), event.properties)
        )
        if self._stored_counter is not None:
            count += self._stored_counter(name=name, since=since, filters=filters)
        return count

    def enter(self, trigger_id: str, properties: dict) -> EnrollmentState:
        node = self.graph.nodes[trigger_id]
        trigger_type = node.node_type
        context: dict = {}
        entry_events = trigger_type.entry_events(node.config)
        if entry_events:
            context["trigger"] = {"event": entry_events[0].event, "properties": properties, "event_id": 0}
            self.entry_event = (self.start, InjectedEvent(entry_events[0].event, 0, properties))
        elif trigger_type.enters_through_api:
            context["api"] = properties
        context["visits"] = {trigger_id: 1}
        state = EnrollmentState(
            id=0,
            journey_id=self.journey_id,
            version_id=self.version_id,
            customer_id=self.profile.view.id,
            node_id=trigger_id,
            status="active",
            due_at=self.start,
            due_port="next",
            waiting_for="",
            event_port="",
            wake_port="",
            waiting_since=None,
            context=context,
            exit_reason="",
            error="",
            entered_at=self.start,
            exited_at=None,
        )
        self.writer.state = state
        runner = self.runner(self.start)
        reason = trigger_type.entry_reason(runner._context(state, trigger_type, node.config))
        runner._step(state, "entered", reason)
        return state

    def apply_event(self, state: EnrollmentState, at: datetime, event: InjectedEvent) -> dict:
        """What the event pass does with one event: wake a matching wait, exit criteria, the goal."""
        self.delivered.append((at, event))
        runner = self.runner(at)
        effects = []
        if state.status == "active" and state.waiting_for == event.name and not state.wake_port:
            config = self.graph.nodes[state.node_id].config
            if at >= state.waiting_since and filters_match(config.get("filters") or [], event.properties):
                state.wake_port = state.event_port
                state.due_at = at
                effects.append(f"ends the wait at {state.node_id}")
        for criterion in self.settings.get("exit_criteria") or []:
            if (
                state.status == "active"
                and criterion["event"] == event.name
                and filters_match(criterion.get("filters") or [], event.properties)
            ):
                runner.exit(state, f"exit criteria: did {event.name}")
                effects.append("exit criteria: the customer leaves")
        goal = self.settings.get("goal")
        if (
            goal
            and goal["event"] == event.name
            and self.converted_at is None
            and filters_match(goal.get("filters") or [], event.properties)
            and at <= state.entered_at + timedelta(days=goal.get("window_days", 7))
        ):
            self.converted_at = at
            runner._step(state, "converted", f"reached the goal: {event.name}")
            effects.append("reaches the goal")
            if goal.get("exit_on_conversion") and state.status == "active":
                runner.exit(state, f"goal reached: {event.name}")
        return {
            "name": event.name,
            "offset_seconds": event.offset_seconds,
            "at": at,
            "properties": event.properties,
            "node_id": state.node_id,
            "effect": "; ".join(effects) or "no effect",
        }

    def release_held_webhook(self, state: EnrollmentState, now: datetime) -> None:
        """A webhook node holding the customer for its outcome: nothing is sent, so take it as delivered."""
        if state.status != "active" or not state.is_waiting:
            return
        node = self.graph.nodes.get(state.node_id)
        channel = channels.get(getattr(node.node_type, "channel", "")) if node else None
        if channel is not None and channel.holds_for_outcome(node.config):
            runner = self.runner(now)
            runner._step(state, "waiting", "test run: the webhook is not sent; taken as delivered")
            state.wake_port = "next"
            state.due_at = now


def simulate(
    *,
    graph: CompiledGraph,
    settings: dict,
    journey_id: int,
    journey_name: str,
    version_id: int,
    profile: TestProfile,
    events: list[InjectedEvent],
    horizon_seconds: int,
    start: datetime,
    trigger_id: str | None = None,
    trigger_properties: dict | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> SimulationResult:
    """Run `profile` through `graph` from `start` for `horizon_seconds` of simulated time.

    Injected events arrive at their offsets, before anything due at the same moment (as an event
    committed before a timer fires). Stops when the profile leaves the journey, when nothing more
    happens before the horizon, or after `max_steps` steps. Writes nothing to the database.
    """
    trigger_id = trigger_id or (graph.triggers[0] if graph.triggers else None)
    if trigger_id is None or trigger_id not in graph.triggers:
        raise ValueError("the journey has no trigger to enter at" if trigger_id is None else "not a trigger node")
    simulation = _Simulation(
        graph=graph,
        settings=settings,
        journey_id=journey_id,
        journey_name=journey_name,
        version_id=version_id,
        profile=profile,
        start=start,
    )
    end = start + timedelta(seconds=horizon_seconds)
    pending = sorted(events, key=lambda event: event.offset_seconds)
    state = simulation.enter(trigger_id, trigger_properties or {})
    clock = start
    applied: list[dict] = []
    status = ""
    while state.status == "active":
        if len(simulation.writer.steps) >= max_steps:
            status = "step_limit"
            break
        event_at = start + timedelta(seconds=pending[0].offset_seconds) if pending else None
        due = state.due_at
        if event_at is not None and event_at <= end and (due is None or event_at <= due):
            clock = max(clock, event_at)
            applied.append(simulation.apply_event(state, clock, pending.pop(0)))
        elif due is not None and due <= end:
            clock = max(clock, due)
            simulation.runner(clock).advance(state)
            simulation.release_held_webhook(state, clock)
        else:
            break
    # A customer who left still converts on a later goal event, as the event pass counts goals for
    # recently exited enrollments too; other events after they left, or past the horizon, are
    # listed so the marketer sees they did nothing.
    for event in list(pending):
        at = start + timedelta(seconds=event.offset_seconds)
        if status != "step_limit" and state.status != "active" and at <= end:
            applied.append(simulation.apply_event(state, max(clock, at), event))
            pending.remove(event)
    for event in pending:
        at = start + timedelta(seconds=event.offset_seconds)
        reason = "after the horizon" if at > end else "after the customer left"
        applied.append(
            {
                "name": event.name,
                "offset_seconds": event.offset_seconds,
                "at": at,
                "properties": event.properties,
                "node_id": state.node_id,
                "effect": f"not applied: {reason}",
            }
        )
    if not status:
        status = state.status if state.status != "active" else "waiting"
    steps = simulation.writer.steps[:max_steps]
    return SimulationResult(
        status=status,
        started_at=start,
        ended_at=state.exited_at or (end if status == "waiting" else clock),
        node_id=state.node_id,
        exit_reason=state.exit_reason,
        next_due_at=state.due_at if status != "exited" and status != "errored" else None,
        waiting_for=state.waiting_for,
        converted_at=simulation.converted_at,
        steps=steps,
        events=applied,
        attributes=profile.view.attributes,
    )
