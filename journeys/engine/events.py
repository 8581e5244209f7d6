"""The event pass: what a batch of new events does to journeys, in one transaction.

In order: customers waiting for one of these events move on; exit criteria remove
customers; goals record conversions (and may end the journey); event triggers and changed
audiences enter customers. Each is a few set-based queries over the whole batch, never a
query per event per journey.

One journey never holds up the others: an error while handling a journey (its entry rules,
a filter, its graph) rolls the batch back to a savepoint and the batch is applied again with
that journey set aside. Its customers touched by the batch are errored and the customers it
could not take in are counted as `errored` at its trigger, so the canvas shows the trouble;
every other journey handles the batch as if nothing had happened.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from journeys.conditions import filters_match
from journeys.engine.audience import audience_customer_ids
from journeys.engine.batch import BatchWriter
from journeys.engine.changes import StateChange, state_changes
from journeys.engine.entry import Entrant, enroll
from journeys.engine.journeys_by_event import Catalog, load_catalog
from journeys.engine.runner import JourneyFailure, Runner
from journeys.engine.state import EnrollmentState
from journeys.experiments.capture import record_conversions
from journeys.graph.cache import compiled_version
from journeys.sql import bulk_cursor, from_json

logger = logging.getLogger(__name__)

MAX_GOAL_WINDOW = timedelta(days=365)


@dataclass
class EventRow:
    id: int
    customer_id: int
    type: str
    name: str
    properties: dict
    timestamp: datetime
    # When we learned of it. The engine compares this, not the sender's timestamp, with its own
    # clock (entry, start of a wait), so a device's clock cannot make an event miss a wait.
    received_at: datetime


# Events are partitioned by month of receipt: bounding the read to recent months spares an index
# probe per month kept. A backlog older than this is read in a second, unbounded pass.
RECENT_EVENTS = timedelta(days=2)
_EVENT_COLUMNS = "SELECT id, customer_id, type, name, properties, timestamp, received_at FROM journeys_event"


def _read_events(cursor, event_ids: list[int], now: datetime) -> list[EventRow]:
    cursor.execute(_EVENT_COLUMNS + " WHERE id = ANY(%s) AND received_at >= %s", [event_ids, now - RECENT_EVENTS])
    rows = cursor.fetchall()
    if len(rows) < len(event_ids):
        found = {row[0] for row in rows}
        cursor.execute(_EVENT_COLUMNS + " WHERE id = ANY(%s)", [[i for i in event_ids if i not in found]])
        rows += cursor.fetchall()
    rows.sort(key=lambda row: row[0])  # the order they arrived in
    return [EventRow(i, c, t, n, from_json(p), ts, r) for i, c, t, n, p, ts, r in rows]


def process_events(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Take up to `limit` events from the engine inbox and apply them; return how many were taken."""
    now = now or timezone.now()
    with transaction.atomic(), bulk_cursor() as cursor:
        cursor.execute(
            # = ANY(ARRAY(...)) runs the claim once; with IN (...) the planner, misled by an inbox
            # that is usually empty, may re-run it for every row of a sudden burst.
            "DELETE FROM journeys_engineinbox WHERE event_id = ANY(ARRAY(SELECT event_id FROM journeys_engineinbox"
            " ORDER BY event_id LIMIT %s FOR UPDATE SKIP LOCKED)) RETURNING event_id",
            [limit],
        )
        event_ids = [row[0] for row in cursor.fetchall()]
        if not event_ids:
            return 0
        events = _read_events(cursor, event_ids, now)
        catalog = load_catalog()
        broken: dict[int, str] = {}
        while True:
            try:
                with transaction.atomic():  # a savepoint to go back to when one journey fails
                    apply_events(events, catalog=catalog, now=now, broken=broken)
                break
            except JourneyFailure as failure:
                if failure.journey_id in broken:  # set aside already: not this journey's doing
                    raise failure.error from failure
                logger.error(
                    "event pass: journey %s failed; applying the batch again without it",
                    failure.journey_id,
                    exc_info=failure.error,
                )
                broken[failure.journey_id] = failure.reason
    return len(event_ids)


def apply_events(
    events: list[EventRow], *, catalog: Catalog, now: datetime, broken: dict[int, str] | None = None
) -> None:
    """Apply the batch. `broken`: journeys set aside (id -> why), whose customers here are errored.

    An error while handling one journey raises JourneyFailure naming it; the caller rolls back
    and calls again with the journey added to `broken`.
    """
    broken = broken if broken is not None else {}
    with state_changes(now, broken=broken) as change:
        writer, runner = change.writer, change.runner
        # Entries first, so an exit or goal event later in the same batch applies to them too.
        _enter_by_event(events, catalog, writer, broken)
        _enter_by_audience(events, catalog, writer, now, broken)
        states = _lock_enrollments(change, events, catalog, now)
        _error_broken(states, runner)
        _wake_waiting(events, states, now)
        _exit_on_criteria(events, states, catalog, runner)
        _record_goals(events, states, catalog, runner)
        record_conversions(events, catalog)


def _error_broken(states: dict[int, EnrollmentState], runner: Runner) -> None:
    """Customers of a set-aside journey that this batch was about leave it as errored."""
    if not runner.broken:
        return
    for state in states.values():
        if state.status == "active" and state.journey_id in runner.broken:
            runner.fail(state, f"the journey could not handle an event: {runner.broken[state.journey_id]}")


def _lock_enrollments(change: StateChange, events, catalog: Catalog, now) -> dict[int, EnrollmentState]:
    """Every enrollment this batch may change, locked once (in id order, so passes never deadlock)."""
    customer_ids = sorted({e.customer_id for e in events})
    goal_journeys = sorted({journey_id for goals in catalog.goals.values() for journey_id, _, _ in goals})
    locked = change.lock(
        "e.customer_id = ANY(%s) AND (e.status = 'active' OR (e.converted_at IS NULL AND e.journey_id = ANY(%s)"
        " AND e.entered_at >= %s))",
        [customer_ids, goal_journeys, now - MAX_GOAL_WINDOW],
        extra="e.converted_at",
    )
    states = {}
    for state, (converted_at,) in locked:
        state.converted_at = converted_at
        states[state.id] = state
    return states


def _after_entry(state: EnrollmentState, event: EventRow) -> bool:
    """Did the event come after the customer entered? Ties (one batch) are settled by event order."""
    if event.received_at != state.entered_at:
        return event.received_at > state.entered_at
    return event.id > state.context.get("trigger", {}).get("event_id", 0)


def _by_customer(states: dict[int, EnrollmentState]) -> dict[int, list[EnrollmentState]]:
    grouped = defaultdict(list)
    for state in states.values():
        grouped[state.customer_id].append(state)
    return grouped


def _wake_waiting(events, states, now) -> None:
    waiting = _by_customer({i: s for i, s in states.items() if s.status == "active" and s.waiting_for})
    for event in events:
        if event.type != "track":
            continue
        for state in waiting.get(event.customer_id, []):
            if state.wake_port or state.waiting_for != event.name or event.received_at < state.waiting_since:
                continue
            try:
                config = compiled_version(state.version_id).nodes[state.node_id].config
                matched = filters_match(config.get("filters") or [], event.properties)
            except Exception as error:
                raise JourneyFailure(state.journey_id, error) from error
            if matched:
                state.wake_port = state.event_port
                state.due_at = now
                state.changed = True


def _exit_on_criteria(events, states, catalog: Catalog, runner: Runner) -> None:
    active = _by_customer({i: s for i, s in states.items() if s.status == "active"})
    for event in events:
        for journey_id, version_id, filters in catalog.exit_criteria.get(event.name, []):
            if journey_id in runner.broken:
                continue
            try:
                if not filters_match(filters, event.properties):
                    continue
                for state in active.get(event.customer_id, []):
                    if (
                        (state.journey_id, state.version_id) == (journey_id, version_id)
                        and state.status == "active"
                        and _after_entry(state, event)
                    ):
                        runner.exit(state, f"exit criteria: did {event.name}")
            except Exception as error:
                raise JourneyFailure(journey_id, error) from error


def _record_goals(events, states, catalog: Catalog, runner: Runner) -> None:
    by_customer = _by_customer(states)
    converted = []
    for event in events:
        for journey_id, version_id, goal in catalog.goals.get(event.name, []):
            if journey_id in runner.broken:
                continue
            try:
                _record_goal(event, journey_id, version_id, goal, by_customer, converted, runner)
            except Exception as error:
                raise JourneyFailure(journey_id, error) from error
    if converted:
        with bulk_cursor() as cursor:
            cursor.execute(
                "UPDATE journeys_enrollment e SET converted_at = v.at FROM unnest(%b::bigint[], %b::timestamptz[])"
                " AS v(id, at) WHERE e.id = v.id",
                [[s.id for s in converted], [s.converted_at for s in converted]],
            )


def _record_goal(event, journey_id, version_id, goal, by_customer, converted, runner: Runner) -> None:
    if not filters_match(goal.get("filters") or [], event.properties):
        return
    window = timedelta(days=goal.get("window_days", 7))
    for state in by_customer.get(event.customer_id, []):
        if (
            (state.journey_id, state.version_id) != (journey_id, version_id)
            or state.converted_at is not None
            or not _after_entry(state, event)
            or event.received_at > state.entered_at + window
        ):
            continue
        state.converted_at = event.timestamp
        converted.append(state)
        runner.writer.count(journey_id, state.node_id, "converted")
        runner.writer.step(
            enrollment_id=state.id,
            journey_id=journey_id,
            customer_id=state.customer_id,
            node_id=state.node_id,
            action="converted",
            reason=f"reached the goal: {event.name}",
        )
        if goal.get("exit_on_conversion") and state.status == "active":
            runner.exit(state, f"goal reached: {event.name}")


def _enter_by_event(events, catalog: Catalog, writer: BatchWriter, broken: dict[int, str]) -> None:
    entrants: dict[tuple[int, str], list[Entrant]] = defaultdict(list)
    for event in events:
        if event.type != "track":
            continue
        for journey_id, node_id, filters in catalog.event_triggers.get(event.name, []):
            try:
                matched = filters_match(filters, event.properties)
            except Exception as error:
                if journey_id in broken:
                    continue
                raise JourneyFailure(journey_id, error) from error
            if matched:
                trigger = {
                    "event": event.name,
                    "event_id": event.id,
                    "properties": event.properties,
                    "timestamp": event.timestamp.isoformat(),
                }
                entrants[(journey_id, node_id)].append(
                    Entrant(
                        event.customer_id,
                        reason=f"did {event.name}",
                        context={"trigger": trigger},
                        entered_at=event.received_at,  # when it happened for us, however late the engine is
                    )
                )
    for (journey_id, node_id), group in sorted(entrants.items()):
        _enroll_one_journey(writer, journey_id, node_id, group, broken)


def _enroll_one_journey(writer: BatchWriter, journey_id: int, node_id: str, entrants: list, broken) -> None:
    if journey_id in broken:
        # They were meant to come in and could not: counted where the canvas shows the journey's errors.
        writer.count(journey_id, node_id, "errored", len({entrant.customer_id for entrant in entrants}))
        return
    try:
        enroll(writer=writer, journey_id=journey_id, node_id=node_id, entrants=entrants)
    except Exception as error:
        raise JourneyFailure(journey_id, error) from error


def _enter_by_audience(events, catalog: Catalog, writer: BatchWriter, now, broken: dict[int, str]) -> None:
    customer_ids = sorted({e.customer_id for e in events})
    enter_matching_audiences(customer_ids, catalog=catalog, writer=writer, now=now, broken=broken)


def enter_matching_audiences(
    customer_ids: list[int], *, catalog: Catalog, writer: BatchWriter, now, broken: dict[int, str] | None = None
) -> None:
    """Enter these customers into live journeys whose on-change audience they now match."""
    if not catalog.audience_on_change or not customer_ids:
        return
    broken = broken if broken is not None else {}
    for journey_id, node_id, condition in catalog.audience_on_change:
        if journey_id in broken:
            continue  # who would have matched is unknown: the audience query is what failed, or may be
        try:
            matching = audience_customer_ids(condition, now=now, customer_ids=customer_ids)
        except Exception as error:
            raise JourneyFailure(journey_id, error) from error
        entrants = [Entrant(customer_id, reason="came to match the audience") for customer_id in matching]
        _enroll_one_journey(writer, journey_id, node_id, entrants, broken)
