"""Moving customers through their journey graphs, one enrollment at a time, in memory.

The Runner calls node types' pure `run` and turns their Outcomes into state changes on the
EnrollmentState and records in the BatchWriter. It never touches the database except to read
a customer's event history when a node asks for it.
"""

import logging

import psycopg
from django.conf import settings
from django.db import DatabaseError

from journeys.conditions import filters_sql
from journeys.engine.audience import event_counter
from journeys.engine.batch import BatchWriter
from journeys.engine.send_time import SendTimeReader
from journeys.engine.state import EnrollmentState
from journeys.experiments.routing import load_overrides
from journeys.graph.cache import compiled_version
from journeys.metrics import dwell_metric, exit_metric
from journeys.nodes.base import (
    AssignVariant,
    CustomerView,
    EventWait,
    ExperimentOverride,
    NodeContext,
    NodeType,
    Outcome,
    SendMessage,
    UpdateAttributes,
    describe_duration,
)
from journeys.sql import bulk_cursor, from_json

logger = logging.getLogger(__name__)

# A guard against a graph that would move a customer forever without waiting.
MAX_STEPS_PER_RUN = 100
CUSTOMER_COLUMNS = "id, external_id, email, phone, timezone, attributes, consent"


class JourneyFailure(Exception):
    """Handling one journey failed in a way that spoils the batch's transaction (a database error).

    The pass rolls its work back to a savepoint and runs the batch again with the journey set
    aside (see `Runner.broken`), so the other journeys in the batch go ahead.
    """

    def __init__(self, journey_id: int, error: BaseException):
        super().__init__(f"journey {journey_id}: {error.__class__.__name__}: {error}")
        self.journey_id = journey_id
        self.error = error

    @property
    def reason(self) -> str:
        return f"{self.error.__class__.__name__}: {self.error}"


# Errors after which the transaction can do nothing more until it rolls back.
DATABASE_ERRORS = (DatabaseError, psycopg.Error)


def load_customers(customer_ids) -> dict[int, CustomerView]:
    if not customer_ids:
        return {}
    with bulk_cursor() as cursor:
        cursor.execute(f"SELECT {CUSTOMER_COLUMNS} FROM journeys_customer WHERE id = ANY(%s)", [list(customer_ids)])
        return {
            row[0]: CustomerView(*row[:5], attributes=from_json(row[5]), consent=from_json(row[6]))
            for row in cursor.fetchall()
        }


class Runner:
    def __init__(self, writer: BatchWriter, customers: dict[int, CustomerView], *, broken: dict | None = None):
        self.writer = writer
        self.now = writer.now
        self.customers = customers
        self.default_timezone = settings.DEFAULT_CUSTOMER_TIMEZONE
        # Journeys whose handling failed earlier in this pass: journey id -> why. Their customers
        # are errored without running anything.
        self.broken = broken if broken is not None else {}
        # Experiment routing overrides, read once per Runner (one batch) when a node first needs them.
        self._overrides: dict[tuple[int, str], ExperimentOverride] | None = None
        self._send_time = SendTimeReader()

    # --- leaving

    def exit(self, state: EnrollmentState, reason: str, *, action: str = "exited") -> None:
        self._end_wait(state)
        state.status = "errored" if action == "errored" else "exited"
        state.exit_reason = reason[:255]
        state.exited_at = self.now
        state.changed = True
        self.writer.count(state.journey_id, state.node_id, action)
        self.writer.count(state.journey_id, state.node_id, exit_metric(reason))
        self._step(state, action, reason)

    def fail(self, state: EnrollmentState, error: Exception | str) -> None:
        message = error if isinstance(error, str) else f"{error.__class__.__name__}: {error}"
        logger.warning("enrollment %s errored at %s: %s", state.id, state.node_id, message)
        state.error = message[:2000]
        self.exit(state, f"error: {message}", action="errored")

    def _end_wait(self, state: EnrollmentState) -> None:
        if state.is_waiting:
            self.writer.gauge(state.journey_id, state.node_id, "waiting", -1)
            if state.waiting_since is not None:  # time spent per node, for the journey report
                waited = (self.now - state.waiting_since).total_seconds()
                self.writer.count(state.journey_id, state.node_id, dwell_metric(waited))
        state.clear_wait()

    # --- moving on

    def advance(self, state: EnrollmentState) -> None:
        """Take a due enrollment as far as it goes now: to its next wait, an exit, or an error."""
        if state.journey_id in self.broken:
            self.fail(state, f"the journey could not be handled: {self.broken[state.journey_id]}")
            return
        try:
            self._advance(state)
        except DATABASE_ERRORS as error:
            # The transaction is spoilt: recording the error here would fail with the rest of the
            # batch. The caller rolls back and runs the batch again with this journey set aside.
            raise JourneyFailure(state.journey_id, error) from error
        except Exception as error:  # a bug or bad data in one node must not stop the batch
            logger.exception("engine failure for enrollment %s", state.id)
            self.fail(state, error)

    def _advance(self, state: EnrollmentState) -> None:
        graph = self.graph_for(state)
        state.changed = True
        # When the customer became free to move on: events from then on count for a wait they
        # reach in this run, however far behind the engine is.
        moving_since = min(state.due_at or self.now, self.now)
        if state.wake_port or state.due_port:
            port, reason = self._wake(state)
            self._end_wait(state)
            if not self._leave(state, graph, port, reason):
                return
        else:
            state.due_at = None
        for _ in range(MAX_STEPS_PER_RUN):
            node = graph.nodes.get(state.node_id)
            node_type = node.node_type if node else None
            if node_type is None:
                self.fail(state, f"node {state.node_id!r} is not in version {state.version_id}")
                return
            outcome = node_type.run(self._context(state, node_type, node.config))
            self._apply_intents(state, outcome)
            if outcome.exit:
                self.exit(state, outcome.reason)
                return
            if outcome.is_wait and outcome.wait_for and self._seen_since(state, outcome.wait_for, moving_since):
                outcome = Outcome.go(outcome.wait_for.port, f"{outcome.wait_for.event} had already happened")
            elif outcome.is_wait:
                self._start_wait(state, outcome, moving_since)
                return
            if outcome.jump_to is not None:
                self._step(state, "passed", outcome.reason)
                self._arrive(state, outcome.jump_to)
                continue
            if not self._leave(state, graph, outcome.port, outcome.reason):
                return
        self.fail(state, f"more than {MAX_STEPS_PER_RUN} steps without a wait: the journey loops")

    # --- what a test run (journeys/simulation) replaces: where the graph and the event history come from

    def graph_for(self, state: EnrollmentState):
        """The compiled graph the enrollment walks: its published version."""
        return compiled_version(state.version_id)

    def event_counter(self, customer_id: int):
        """The `event_count` nodes get: the customer's stored event history."""
        return event_counter(customer_id)

    def _wake(self, state: EnrollmentState) -> tuple[str, str]:
        waited = describe_duration(max(1, int((self.now - (state.waiting_since or self.now)).total_seconds())))
        if state.wake_port:
            return state.wake_port, f"{state.waiting_for or 'the event'} happened after {waited}"
        if state.due_port == "timeout":
            return "timeout", f"timeout after {waited}"
        if state.waiting_since is None:  # just entered at a trigger
            return state.due_port, ""
        return state.due_port, f"waited {waited}"

    def _leave(self, state: EnrollmentState, graph, port: str, reason: str) -> bool:
        """Leave the current node through `port`; False when that ends the journey for them."""
        if reason:
            self._step(state, "passed", reason, port=port)
        self.writer.count(state.journey_id, state.node_id, f"passed:{port}")
        target = graph.next_node(state.node_id, port)
        if target is None:
            self.exit(state, "end of path")
            return False
        self._arrive(state, target)
        return True

    def _arrive(self, state: EnrollmentState, node_id: str) -> None:
        state.node_id = node_id
        state.visit(node_id)
        self.writer.count(state.journey_id, node_id, "entered")

    def _seen_since(self, state: EnrollmentState, wait: EventWait, since) -> bool:
        """Did the customer do the awaited event since `since`? (Only events already committed.)"""
        match = filters_sql(list(wait.filters))
        # The event that entered the customer, and those before it in its batch, do not count.
        trigger_id = state.context.get("trigger", {}).get("event_id", 0)
        with bulk_cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM journeys_event ev WHERE ev.customer_id = %s AND ev.name = %s"
                " AND ev.type = 'track' AND (ev.received_at > %s OR (ev.received_at = %s AND ev.id > %s))"
                f" AND {match.text})",
                [state.customer_id, wait.event, since, since, trigger_id, *match.params],
            )
            return cursor.fetchone()[0]

    def _start_wait(self, state: EnrollmentState, outcome: Outcome, moving_since) -> None:
        state.due_at = outcome.wait_until
        state.due_port = outcome.due_port
        state.waiting_since = self.now
        if outcome.wait_for is not None:
            # An event committed after the look-back above but received before now still wakes
            # the customer: the event pass compares received_at with waiting_since.
            state.waiting_since = moving_since
            state.waiting_for = outcome.wait_for.event
            state.event_port = outcome.wait_for.port
        self.writer.gauge(state.journey_id, state.node_id, "waiting", 1)
        self._step(state, "waiting", outcome.reason)

    def _step(self, state: EnrollmentState, action: str, reason: str, port: str = "") -> None:
        self.writer.step(
            enrollment_id=state.id,
            journey_id=state.journey_id,
            customer_id=state.customer_id,
            node_id=state.node_id,
            action=action,
            reason=reason,
            port=port,
        )

    def _experiment_override(self, journey_id: int, node_id: str) -> ExperimentOverride | None:
        if self._overrides is None:
            self._overrides = load_overrides()
        return self._overrides.get((journey_id, node_id))

    def _context(self, state: EnrollmentState, node_type: NodeType, config: dict) -> NodeContext:
        customer = self.customers[state.customer_id]
        override = None
        if node_type.routed_by_experiment:
            override = self._experiment_override(state.journey_id, state.node_id)
        return NodeContext(
            node_id=state.node_id,
            config=config,
            now=self.now,
            journey_id=state.journey_id,
            enrollment_id=state.id,
            entered_at=state.entered_at,
            customer=customer,
            context=state.context,
            visit=max(1, state.visits(state.node_id)),
            event_count=self.event_counter(customer.id),
            default_timezone=self.default_timezone,
            experiment_override=override,
            send_time=self._send_time.for_customer(customer.id),
        )

    def _apply_intents(self, state: EnrollmentState, outcome: Outcome) -> None:
        visit = max(1, state.visits(state.node_id))
        for intent in outcome.intents:
            if isinstance(intent, SendMessage):
                self.writer.deliver(
                    enrollment_id=state.id,
                    journey_id=state.journey_id,
                    version_id=state.version_id,
                    customer_id=state.customer_id,
                    node_id=state.node_id,
                    visit=visit,
                    channel=intent.channel,
                    payload=intent.payload,
                    entered_at=state.entered_at,
                )
            elif isinstance(intent, UpdateAttributes):
                self.writer.change_attributes(state.customer_id, intent)
                _apply_locally(self.customers[state.customer_id].attributes, intent)
            elif isinstance(intent, AssignVariant):
                state.context.setdefault("variants", {})[state.node_id] = intent.variant
                self.writer.assign(
                    enrollment_id=state.id,
                    journey_id=state.journey_id,
                    customer_id=state.customer_id,
                    node_id=state.node_id,
                    visit=visit,
                    variant=intent.variant,
                )


def _apply_locally(attributes: dict, update: UpdateAttributes) -> None:
    """Mirror an attribute change in memory, so later nodes in the same run see it."""
    for name in update.remove:
        attributes.pop(name, None)
    attributes.update(update.set)
    for name, amount in update.increment.items():
        current = attributes.get(name)
        base = current if isinstance(current, int | float) and not isinstance(current, bool) else 0
        attributes[name] = base + amount
