"""The one way enrollment state changes: `state_changes`, and the engine functions built on it.

Whatever changes enrollments (a tick, the event pass, publishing with migration, stopping, an
audience run, a profile merge, a manual removal) does it inside `state_changes(now)`: it
gives a BatchWriter and a Runner, locks rows through `lock`, and on leaving saves the changed
states and flushes the writer, in the caller's transaction. Services call the functions below
rather than building writers or saving states themselves.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from journeys.engine.batch import BatchWriter
from journeys.engine.entry import Entrant, enroll
from journeys.engine.runner import Runner
from journeys.engine.state import COLUMNS, SELECT_COLUMNS, EnrollmentState, save_states, state_cursor
from journeys.graph.cache import compiled_version

# Rows changed per transaction by the functions that walk a whole journey.
CHUNK = 5000


@dataclass
class StateChange:
    """One batch of changes: what `state_changes` yields."""

    writer: BatchWriter
    runner: Runner
    states: list[EnrollmentState] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.writer.now

    def track(self, states: list[EnrollmentState]) -> list[EnrollmentState]:
        """States read elsewhere (the tick's claim) that this batch saves when it ends."""
        self.states.extend(states)
        return states

    def lock(
        self, where: str, params: list, *, order: str = "e.id", limit: int | None = None, extra: str = ""
    ) -> list[tuple[EnrollmentState, tuple]]:
        """Lock the enrollments matching `where` (waiting for other holders) and track them.

        Returns (state, extra values) pairs, the extra values being those of the `extra` columns.
        Locks are taken in `order`, by default id order, so two callers never deadlock.
        """
        columns = f"{SELECT_COLUMNS}, {extra}" if extra else SELECT_COLUMNS
        sql = f"SELECT {columns} FROM journeys_enrollment e WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with state_cursor() as cursor:
            cursor.execute(sql + " FOR UPDATE OF e", params)
            rows = cursor.fetchall()
        width = len(COLUMNS)
        pairs = [(EnrollmentState.from_row(row[:width]), tuple(row[width:])) for row in rows]
        self.states.extend(state for state, _ in pairs)
        return pairs

    def lock_active(self, where: str, params: list, *, limit: int | None = None) -> list[EnrollmentState]:
        return [state for state, _ in self.lock(f"e.status = 'active' AND {where}", params, limit=limit)]


@contextmanager
def state_changes(now: datetime, *, customers: dict | None = None, broken: dict | None = None) -> Iterator[StateChange]:
    """Change enrollments in the caller's transaction; on a clean exit, save them and flush the writer.

    `customers` are the profiles the Runner shows to nodes (only the tick runs nodes); `broken`
    the journeys set aside in this pass (see Runner). On an exception nothing is written: the
    caller's transaction is going back anyway.
    """
    writer = BatchWriter(now)
    change = StateChange(writer, Runner(writer, customers or {}, broken=broken))
    yield change
    save_states(change.states, now)
    writer.flush()  # after the states: its hooks announce what the batch did


# --- the engine functions services call


def enter(*, journey_id: int, node_id: str, entrants: list[Entrant], now: datetime) -> list[int]:
    """Enter customers at a trigger of the journey, in the caller's transaction; the new enrollment ids."""
    with state_changes(now) as change:
        return enroll(writer=change.writer, journey_id=journey_id, node_id=node_id, entrants=entrants)


def migrate_to_version(
    *, journey_id: int, version_id: int, version_number: int, mapping: dict, now: datetime
) -> tuple[int, int]:
    """Move everyone on an older version to `version_id` (in the caller's transaction); (moved, removed).

    Each customer goes to the node with the same id, or `mapping[old node id]`; one whose node
    is not in the new version exits with reason "removed".
    """
    new_graph = compiled_version(version_id)
    moved = removed = 0
    last_id = 0
    while True:
        with state_changes(now) as change:
            states = change.lock_active(
                "e.journey_id = %s AND e.version_id <> %s AND e.id > %s", [journey_id, version_id, last_id], limit=CHUNK
            )
            if not states:
                return moved, removed
            last_id = states[-1].id
            for state in states:
                if _migrate(change, state, new_graph, version_id, version_number, mapping):
                    moved += 1
                else:
                    removed += 1


def _migrate(change: StateChange, state: EnrollmentState, new_graph, version_id: int, number: int, mapping) -> bool:
    old_kind = compiled_version(state.version_id).nodes[state.node_id].kind
    target = mapping.get(state.node_id, state.node_id)
    new_node = new_graph.nodes.get(target)
    if new_node is None:
        change.runner.exit(state, "removed")
        return False
    if state.is_waiting and (new_node.kind != old_kind or target != state.node_id):
        # A different node: run it afresh rather than keep a wait it did not set.
        change.writer.gauge(state.journey_id, state.node_id, "waiting", -1)
        state.clear_wait()
        state.due_at = change.now
    state.node_id, state.version_id, state.changed = target, version_id, True
    change.writer.step(
        enrollment_id=state.id,
        journey_id=state.journey_id,
        customer_id=state.customer_id,
        node_id=target,
        action="migrated",
        reason=f"moved to version {number}",
    )
    return True


def exit_everyone(*, journey_id: int, reason: str, now: datetime) -> int:
    """Exit everyone still inside the journey, a transaction per chunk; how many exited.

    For a journey no tick or entry touches any more (stopped, archived), so it runs outside
    any journey lock.
    """
    exited = 0
    while True:
        with transaction.atomic(), state_changes(now) as change:
            states = change.lock_active("e.journey_id = %s", [journey_id], limit=CHUNK)
            for state in states:
                change.runner.exit(state, reason)
        if not states:
            return exited
        exited += len(states)


def remove_customers(
    *,
    journey_id: int,
    customer_ids: list[int] = (),
    enrollment_ids: list[int] = (),
    reason: str,
    now: datetime,
) -> int:
    """Take these customers (or these enrollments) out of the journey by hand; how many exited.

    Each exits like any other exit: counted as exited at the node they were at (and under
    `reason`, up to its first colon, in the exit report), their wait ended, a step with
    `reason` in their path. The rows are locked as the tick locks them (FOR UPDATE, id order),
    so a worker advancing the same enrollment either finishes first (and the removal sees where
    it left them) or finds them exited.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("a manual removal needs a reason")
    removed = 0
    for column, values in (("customer_id", customer_ids), ("id", enrollment_ids)):
        ids = sorted(set(values))
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic(), state_changes(now) as change:
                states = change.lock_active(
                    f"e.journey_id = %s AND e.{column} = ANY(%s)", [journey_id, ids[start : start + CHUNK]]
                )
                for state in states:
                    change.runner.exit(state, reason)
                removed += len(states)
    return removed


def exit_merged_duplicates(*, merged_away_id: int, kept_id: int, now: datetime) -> int:
    """Before one profile folds into another: where both are inside the same exclusive journey,
    the merged-away one's enrollment exits, so the kept profile is in it once. How many exited."""
    with state_changes(now) as change:
        states = change.lock_active(
            "e.customer_id = %s AND e.exclusive AND e.journey_id IN (SELECT journey_id FROM journeys_enrollment"
            " WHERE customer_id = %s AND status = 'active' AND exclusive)",
            [merged_away_id, kept_id],
        )
        for state in states:
            change.runner.exit(state, "merged into another profile")
    return len(states)
