"""Collects what one engine transaction writes besides enrollment state, and writes it set-based.

Steps (the explainable path), per-node counters, outbox deliveries, split assignments and
attribute changes are gathered in memory while nodes run, then written with one statement
each when the batch flushes, inside the same transaction as the enrollment updates.
"""

import os
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import transaction

from journeys.engine import hooks
from journeys.experiments.capture import write_exposures
from journeys.metrics import GAUGE_HOUR
from journeys.nodes.base import UpdateAttributes
from journeys.sql import bulk_cursor, json_text


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


SHARDS = 8
# A delivery of an enrollment is made after the enrollment entered, so the once-per-visit check
# only looks at months from its entry on. The margin allows for clocks of the web (which stamps
# an event-triggered entry) and of workers that disagree; it is far wider than any sane skew.
ENTRY_CLOCK_MARGIN = timedelta(days=1)


class BatchWriter:
    def __init__(self, now: datetime):
        self.now = now
        self.hour = now.replace(minute=0, second=0, microsecond=0)
        # Concurrent workers add to different counter rows, so they never queue on one row.
        self.shard = os.getpid() % SHARDS
        self.steps: list[tuple] = []
        self.counters: Counter = Counter()
        self.deliveries: list[tuple] = []
        self.assignments: list[tuple] = []
        self.attribute_changes: dict[int, dict] = defaultdict(lambda: {"set": {}, "increment": {}, "remove": set()})
        self.delivery_count = 0

    # --- recording

    def step(self, *, enrollment_id, journey_id, customer_id, node_id, action, reason, port=""):
        self.steps.append((enrollment_id, journey_id, customer_id, node_id, port, action, reason[:500], self.now))

    def count(self, journey_id: int, node_id: str, metric: str, delta: int = 1):
        self.counters[(journey_id, node_id, metric, self.hour)] += delta

    def gauge(self, journey_id: int, node_id: str, metric: str, delta: int):
        self.counters[(journey_id, node_id, metric, GAUGE_HOUR)] += delta

    def deliver(
        self, *, enrollment_id, journey_id, version_id, customer_id, node_id, visit, channel, payload, entered_at
    ):
        self.deliveries.append(
            (
                enrollment_id,
                journey_id,
                version_id,
                customer_id,
                node_id,
                visit,
                channel,
                json_text(payload),
                entered_at - ENTRY_CLOCK_MARGIN,
            )
        )

    def assign(self, *, enrollment_id, journey_id, customer_id, node_id, visit, variant):
        self.assignments.append((enrollment_id, journey_id, customer_id, node_id, visit, variant, self.now))

    def change_attributes(self, customer_id: int, update: UpdateAttributes):
        change = self.attribute_changes[customer_id]
        for name in update.remove:
            change["set"].pop(name, None)
            change["increment"].pop(name, None)
            change["remove"].add(name)
        for name, value in update.set.items():
            change["set"][name] = value
            change["increment"].pop(name, None)
            change["remove"].discard(name)
        for name, amount in update.increment.items():
            # After a set or remove in the same run the stored value no longer matters: fold the
            # increment into the set, so the database ends where later nodes saw it.
            if name in change["set"] and _is_number(change["set"][name]):
                change["set"][name] += amount
            elif name in change["remove"] or name in change["set"]:
                change["remove"].discard(name)
                change["set"][name] = amount
            else:
                change["increment"][name] = change["increment"].get(name, 0) + amount

    # --- writing

    def flush(self) -> None:
        """Write everything, in the caller's transaction; once it commits, live canvases hear of it."""
        with bulk_cursor() as cursor:
            self._write_steps(cursor)
            self._write_deliveries(cursor)  # counts the deliveries it queued: before the counters
            self._write_assignments(cursor)
            self._write_attributes(cursor)
            self._write_counters(cursor)
        changed = {journey_id for (journey_id, _, _, _), delta in self.counters.items() if delta}
        if changed:
            transaction.on_commit(lambda: hooks.counters_changed(changed))

    def _write_steps(self, cursor):
        # The largest write of a tick (a row per node passed): COPY beats an INSERT of arrays.
        if not self.steps:
            return
        with cursor.copy(
            "COPY journeys_step (enrollment_id, journey_id, customer_id, node_id, port, action, reason, at)"
            " FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int8", "int8", "text", "text", "text", "text", "timestamptz"])
            for row in self.steps:
                copy.write_row(row)

    def _write_deliveries(self, cursor):
        if not self.deliveries:
            return
        columns = [list(column) for column in zip(*self.deliveries, strict=True)]
        # Once per (enrollment, node, visit). Deliveries are partitioned by month, so this cannot
        # be a unique key; it is checked here instead, which is race-free because every writer of
        # an enrollment's deliveries holds that enrollment's row lock (or created it uncommitted).
        # The bound on created_at lets PostgreSQL skip the months before the enrollment entered.
        cursor.execute(
            "INSERT INTO journeys_delivery (enrollment_id, journey_id, version_id, customer_id, node_id, visit,"
            " channel, payload, status, attempts, error, created_at)"
            " SELECT DISTINCT ON (e, n, vi) e, j, v, c, n, vi, ch, p::jsonb, 'queued', 0, '', %s"
            " FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::int[], %b::text[],"
            " %b::text[], %b::timestamptz[]) AS t(e, j, v, c, n, vi, ch, p, since)"
            " WHERE NOT EXISTS (SELECT 1 FROM journeys_delivery d"
            "  WHERE d.enrollment_id = t.e AND d.node_id = t.n AND d.visit = t.vi AND d.created_at >= t.since)"
            " ORDER BY e, n, vi RETURNING journey_id, node_id",
            [self.now, *columns],
        )
        queued = cursor.fetchall()
        if queued:
            hooks.deliveries_queued()
        # Only the rows actually inserted: a re-run tick's duplicates are not queued twice.
        for journey_id, node_id in queued:
            self.count(journey_id, node_id, "delivery:queued")
        self.delivery_count += len(queued)

    def _write_assignments(self, cursor):
        if not self.assignments:
            return
        columns = [list(column) for column in zip(*self.assignments, strict=True)]
        cursor.execute(
            "INSERT INTO journeys_splitassignment (enrollment_id, journey_id, customer_id, node_id, visit, variant,"
            " assigned_at) SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::int[],"
            " %b::text[], %b::timestamptz[]) ON CONFLICT (enrollment_id, node_id, visit) DO NOTHING",
            columns,
        )
        write_exposures(cursor, columns)

    def _write_attributes(self, cursor):
        """Apply removes, then sets, then increments, in SQL, so concurrent profile updates are not lost."""
        if not self.attribute_changes:
            return
        ids, removes, sets, increments = [], [], [], []
        for customer_id, change in sorted(self.attribute_changes.items()):  # id order: no deadlocks
            ids.append(customer_id)
            removes.append(json_text(sorted(change["remove"])))
            sets.append(json_text(change["set"]))
            increments.append(json_text(change["increment"]))
        cursor.execute(
            "UPDATE journeys_customer c SET updated_at = %s, attributes ="
            " ((c.attributes - ARRAY(SELECT jsonb_array_elements_text(v.removes::jsonb))) || v.sets::jsonb)"
            " || COALESCE((SELECT jsonb_object_agg(x.key, to_jsonb("
            "    CASE WHEN jsonb_typeof(c.attributes -> x.key) = 'number' THEN (c.attributes ->> x.key)::numeric"
            "    ELSE 0 END + x.value::numeric))"
            "  FROM jsonb_each_text(v.increments::jsonb) AS x), '{}'::jsonb)"
            " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[]) AS v(id, removes, sets, increments)"
            " WHERE c.id = v.id",
            [self.now, ids, removes, sets, increments],
        )

    def _write_counters(self, cursor):
        changed = sorted((key, delta) for key, delta in self.counters.items() if delta)
        if not changed:
            return
        journeys, nodes, metrics, hours = (list(column) for column in zip(*(key for key, _ in changed), strict=True))
        cursor.execute(
            "INSERT INTO journeys_nodestat AS s (journey_id, node_id, metric, hour, shard, value)"
            " SELECT j, n, m, h, %s, d FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::timestamptz[],"
            " %b::bigint[]) AS t(j, n, m, h, d)"
            " ON CONFLICT (journey_id, node_id, metric, hour, shard) DO UPDATE SET value = s.value + EXCLUDED.value",
            [self.shard, journeys, nodes, metrics, hours, [delta for _, delta in changed]],
        )
