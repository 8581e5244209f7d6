"""Identity resolution: which customer each incoming message belongs to.

Segment messages name people by `userId` (our Customer.external_id) and by `anonymousId`
(an AnonymousId row). A batch is resolved with two lookups when everyone is known. When a
message names someone new, or links an anonymous profile to a user, the identities involved
are locked (transaction-scoped advisory locks, in a fixed order), looked up again and the
changes are written set-based: new profiles in one INSERT, anonymous ids in another. The
lock, the second look-up and the new ids go to PostgreSQL in one round trip (pipeline mode). Merges
(an anonymous profile that turns out to be a known user) are rare and done one at a time.

Everything here runs inside the caller's transaction.
"""

from dataclasses import dataclass, field

import psycopg
from django.utils import timezone

from journeys.engine.changes import exit_merged_duplicates
from journeys.ingest.messages import IncomingMessage
from journeys.models import AnonymousId, ConsentChange, Customer, CustomerMerge, Event
from journeys.sql import bulk_cursor

# One index probe per identity, whatever the planner believes about the tables: with
# `= ANY(...)` it picked a sequential scan of every profile whenever its statistics were missing
# or stale (a young table, or a server without autovacuum), which cost more than the rest of the
# request. A LATERAL subquery with LIMIT is never flattened into a join, so each identity is
# looked up on its own; the ids are unique, so LIMIT 1 drops nothing.
LOOKUP_USERS = (
    "SELECT c.id, c.external_id FROM unnest(%b::text[]) AS u(external_id) CROSS JOIN LATERAL"
    " (SELECT id, external_id FROM journeys_customer c WHERE c.external_id = u.external_id LIMIT 1) c"
)
LOOKUP_ANONYMOUS_IDS = (
    "SELECT u.anonymous_id, c.id, c.external_id FROM unnest(%b::text[]) AS u(anonymous_id)"
    " CROSS JOIN LATERAL (SELECT c.id, c.external_id FROM journeys_anonymousid a"
    " JOIN journeys_customer c ON c.id = a.customer_id WHERE a.anonymous_id = u.anonymous_id LIMIT 1) c"
)
# Transaction-scoped, taken in key order so two requests never wait on each other in a cycle.
LOCK_IDENTITIES = (
    "SELECT pg_advisory_xact_lock(k) FROM"
    " (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(%b::text[]) AS x ORDER BY 1) AS keys"
)
NEW_CUSTOMER_IDS = "SELECT nextval(pg_get_serial_sequence('journeys_customer', 'id')) FROM generate_series(1, %s::int)"


def _together(cursor, statements: list[tuple[str, list]]) -> list[list[tuple]]:
    """Run the statements in order and return each one's rows, sending them in one round trip.

    Pipeline mode: PostgreSQL still runs them one after another, each with its own snapshot (so a
    look-up sent after a lock sees what the lock's previous holder committed); only the waiting
    between them goes. Under load each round trip costs a context switch on both sides.
    """
    if len(statements) == 1:
        cursor.execute(*statements[0])
        return [cursor.fetchall()]
    connection = cursor.connection
    cursors = [psycopg.Cursor(connection) for _ in statements]
    try:
        with connection.pipeline():
            for statement_cursor, (sql, params) in zip(cursors, statements, strict=True):
                statement_cursor.execute(sql, params)
        return [statement_cursor.fetchall() for statement_cursor in cursors]
    finally:
        for statement_cursor in cursors:
            statement_cursor.close()


@dataclass
class _Identities:
    """What the database says about the identities a batch names, updated as the batch is planned."""

    by_user: dict[str, int] = field(default_factory=dict)
    by_anon: dict[str, int] = field(default_factory=dict)
    external_id_of: dict[int, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor, user_ids: list[str], anon_ids: list[str], *, first=None, then=None) -> tuple:
        """What the database knows of these ids; returns (identities, rows of `first`, rows of `then`).

        `first` and `then` are extra (sql, params) statements sent before and after the look-ups in
        the same round trip (see _together).
        """
        statements = [first] if first else []
        if user_ids:
            statements.append((LOOKUP_USERS, [user_ids]))
        if anon_ids:
            statements.append((LOOKUP_ANONYMOUS_IDS, [anon_ids]))
        if then:
            statements.append(then)
        results = _together(cursor, statements)
        first_rows = results.pop(0) if first else None
        then_rows = results.pop() if then else None
        found = cls()
        for customer_id, external_id in results.pop(0) if user_ids else ():
            found.by_user[external_id] = customer_id
            found.external_id_of[customer_id] = external_id
        for anonymous_id, customer_id, external_id in results.pop(0) if anon_ids else ():
            found.by_anon[anonymous_id] = customer_id
            found.external_id_of[customer_id] = external_id
        return found, first_rows, then_rows

    def needs_no_change(self, messages: list[IncomingMessage]) -> bool:
        """True when every message maps to an existing profile and no profiles need linking."""
        for message in messages:
            if message.type == "alias":
                return False
            user_id, anon_id = message.user_id, message.anonymous_id
            if user_id and user_id not in self.by_user:
                return False
            if anon_id and anon_id not in self.by_anon:
                return False
            if user_id and anon_id and self._should_merge(self.by_anon[anon_id], self.by_user[user_id]):
                return False
        return True

    def _should_merge(self, anon_customer: int, user_customer: int) -> bool:
        # Only an anonymous profile is folded into a known user; two known users sharing a
        # device's anonymousId stay two people.
        return anon_customer != user_customer and self.external_id_of[anon_customer] is None


class _Plan:
    """The profile changes a batch needs, decided in memory, then written in a few statements."""

    def __init__(self, identities: _Identities, new_ids: list[int]):
        self.ids = identities
        self.unused_ids = list(reversed(new_ids))
        self.new_customers: dict[int, str | None] = {}  # id -> external_id
        self.upgrades: dict[int, str] = {}  # existing anonymous customer id -> external_id
        self.new_links: dict[str, int] = {}  # anonymous id -> customer id
        self.merges: list[tuple[int, int]] = []  # (merged away, kept)
        self.merged_into: dict[int, int] = {}

    def _new_customer(self, external_id: str | None) -> int:
        customer_id = self.unused_ids.pop()
        self.new_customers[customer_id] = external_id
        self.ids.external_id_of[customer_id] = external_id
        if external_id is not None:
            self.ids.by_user[external_id] = customer_id
        return customer_id

    def _set_external_id(self, customer_id: int, external_id: str) -> None:
        if customer_id in self.new_customers:
            self.new_customers[customer_id] = external_id
        else:
            self.upgrades[customer_id] = external_id
        self.ids.external_id_of[customer_id] = external_id
        self.ids.by_user[external_id] = customer_id

    def _link(self, anon_id: str, customer_id: int) -> None:
        self.new_links[anon_id] = customer_id
        self.ids.by_anon[anon_id] = customer_id

    def _merge(self, merged_away: int, kept: int) -> None:
        for user_id, owner in self.ids.by_user.items():
            if owner == merged_away:
                self.ids.by_user[user_id] = kept
        for anon_id, owner in self.ids.by_anon.items():
            if owner == merged_away:
                self.ids.by_anon[anon_id] = kept
        for anon_id, owner in self.new_links.items():
            if owner == merged_away:
                self.new_links[anon_id] = kept
        self.merged_into[merged_away] = kept
        if merged_away in self.new_customers:
            del self.new_customers[merged_away]  # never written, nothing to move
        else:
            self.merges.append((merged_away, kept))

    def resolve(self, user_id: str | None, anon_id: str | None) -> int:
        ids = self.ids
        user_customer = ids.by_user.get(user_id) if user_id else None
        anon_customer = ids.by_anon.get(anon_id) if anon_id else None
        if user_id and user_customer is None:
            if anon_customer is not None and ids.external_id_of[anon_customer] is None:
                self._set_external_id(anon_customer, user_id)  # the anonymous visitor signed up
                user_customer = anon_customer
            else:
                user_customer = self._new_customer(user_id)
        if anon_id and anon_customer is None:
            anon_customer = user_customer if user_customer is not None else self._new_customer(None)
            self._link(anon_id, anon_customer)
        if user_customer is not None and anon_customer is not None:
            if ids._should_merge(anon_customer, user_customer):
                self._merge(anon_customer, user_customer)
            return user_customer
        return user_customer if user_customer is not None else anon_customer

    def alias(self, previous_id: str, user_id: str) -> int:
        """`alias` says previousId (a user or anonymous id) and userId are one person."""
        ids = self.ids
        previous = ids.by_user.get(previous_id)
        if previous is None:
            return self.resolve(user_id, previous_id)
        target = ids.by_user.get(user_id)
        if target is None:
            self._set_external_id(previous, user_id)
            return previous
        if previous != target:
            self._merge(previous, target)
        return target

    def final_id(self, customer_id: int) -> int:
        while customer_id in self.merged_into:
            customer_id = self.merged_into[customer_id]
        return customer_id

    def write(self, cursor) -> None:
        now = timezone.now()
        if self.new_customers:
            cursor.execute(
                "INSERT INTO journeys_customer"
                " (id, external_id, email, phone, timezone, attributes, consent, created_at, updated_at)"
                " SELECT id, ext, '', '', '', '{}', '{}', %s, %s FROM unnest(%b::bigint[], %b::text[]) AS v(id, ext)",
                [now, now, list(self.new_customers), list(self.new_customers.values())],
            )
        if self.upgrades:
            cursor.execute(
                "UPDATE journeys_customer c SET external_id = v.ext, updated_at = %s"
                " FROM unnest(%b::bigint[], %b::text[]) AS v(id, ext) WHERE c.id = v.id",
                [now, list(self.upgrades), list(self.upgrades.values())],
            )
        if self.new_links:
            cursor.execute(
                "INSERT INTO journeys_anonymousid (anonymous_id, customer_id, created_at)"
                " SELECT a, c, %s FROM unnest(%b::text[], %b::bigint[]) AS v(a, c)"
                " ON CONFLICT (anonymous_id) DO NOTHING",
                [now, list(self.new_links), list(self.new_links.values())],
            )
        for merged_away, kept in self.merges:
            customer_merge(merged_away_id=merged_away, kept_id=kept)


def customers_resolve(messages: list[IncomingMessage]) -> list[int]:
    """Return the customer id of each message, creating, linking and merging profiles as needed."""
    user_ids = sorted({m.user_id for m in messages if m.user_id} | {m.previous_id for m in messages if m.previous_id})
    anon_ids = sorted(
        {m.anonymous_id for m in messages if m.anonymous_id} | {m.previous_id for m in messages if m.previous_id}
    )
    with bulk_cursor() as cursor:
        identities, _, _ = _Identities.load(cursor, user_ids, anon_ids)
        if identities.needs_no_change(messages):
            return [
                identities.by_user[m.user_id] if m.user_id else identities.by_anon[m.anonymous_id] for m in messages
            ]

        # Someone new or a link to make: serialise with every other request naming the same
        # identities, then decide on what is committed now.
        lock_keys = sorted({f"user:{u}" for u in user_ids} | {f"anon:{a}" for a in anon_ids})
        identities, _, new_ids = _Identities.load(
            cursor,
            user_ids,
            anon_ids,
            first=(LOCK_IDENTITIES, [lock_keys]),
            then=(NEW_CUSTOMER_IDS, [len(user_ids) + len(anon_ids)]),
        )
        plan = _Plan(identities, [row[0] for row in new_ids])
        resolved = [
            plan.alias(m.previous_id, m.user_id) if m.type == "alias" else plan.resolve(m.user_id, m.anonymous_id)
            for m in messages
        ]
        plan.write(cursor)
        return [plan.final_id(customer_id) for customer_id in resolved]


def _move_journey_history(merged_away_id: int, kept_id: int) -> None:
    """Journeys follow the person. Where both profiles are inside the same journey, the kept one stays."""
    # Exited the engine's way, so the counters and the step log stay true.
    exit_merged_duplicates(merged_away_id=merged_away_id, kept_id=kept_id, now=timezone.now())
    with bulk_cursor() as cursor:
        for table in (
            "journeys_enrollment",
            "journeys_delivery",
            "journeys_step",
            "journeys_splitassignment",
            "journeys_inappmessage",
        ):
            cursor.execute(f"UPDATE {table} SET customer_id = %s WHERE customer_id = %s", [kept_id, merged_away_id])
        # Opt-outs and bounces outlive the merge (the kept profile may already have the same one).
        cursor.execute(
            "UPDATE journeys_suppression s SET customer_id = %s WHERE s.customer_id = %s AND NOT EXISTS"
            " (SELECT 1 FROM journeys_suppression k WHERE k.customer_id = %s AND k.channel = s.channel"
            " AND k.scope = s.scope)",
            [kept_id, merged_away_id, kept_id],
        )
        # Experiment exposures follow too, so the kept profile's later events convert them; where both profiles
        # were already exposed at the same split, each stays a unit of its own (they were assigned apart).
        cursor.execute(
            "UPDATE journeys_experimentexposure x SET customer_id = %s WHERE x.customer_id = %s AND NOT EXISTS"
            " (SELECT 1 FROM journeys_experimentexposure k WHERE k.customer_id = %s AND k.journey_id = x.journey_id"
            " AND k.node_id = x.node_id)",
            [kept_id, merged_away_id, kept_id],
        )


def customer_merge(*, merged_away_id: int, kept_id: int) -> Customer:
    """Fold one profile into another: its events and anonymous ids move, its traits merge.

    On a trait both have, the profile updated more recently wins. The merged-away profile is
    deleted. Row locks are taken in id order, so concurrent merges cannot deadlock; an ingest
    that still points at the deleted profile finds it gone when it locks it, and is retried
    (ingest.services._hold_profiles).
    """
    profiles = {
        c.id: c for c in Customer.objects.select_for_update().filter(id__in=[merged_away_id, kept_id]).order_by("id")
    }
    merged_away, kept = profiles[merged_away_id], profiles[kept_id]
    older, newer = sorted([merged_away, kept], key=lambda c: c.updated_at)
    kept.attributes = {**older.attributes, **newer.attributes}
    kept.consent = {**older.consent, **newer.consent}
    for field_name in ("email", "phone", "timezone"):
        setattr(kept, field_name, getattr(newer, field_name) or getattr(older, field_name))
    moved_anonymous_ids = list(AnonymousId.objects.filter(customer_id=merged_away_id).values_list("pk", flat=True))
    Event.objects.filter(customer_id=merged_away_id).update(customer_id=kept_id)
    AnonymousId.objects.filter(customer_id=merged_away_id).update(customer_id=kept_id)
    # The merged-away profile's consent history stays answerable on the profile that keeps its states.
    ConsentChange.objects.filter(customer_id=merged_away_id).update(customer_id=kept_id)
    # The merged-away row is deleted below; the kept profile's page shows what it was.
    CustomerMerge.objects.create(
        kept=kept,
        merged_away_id=merged_away_id,
        merged_away_external_id=merged_away.external_id or "",
        anonymous_ids=moved_anonymous_ids[:100],
        merged_at=timezone.now(),
    )
    _move_journey_history(merged_away_id, kept_id)
    merged_away.delete()
    kept.save(update_fields=["attributes", "consent", "email", "phone", "timezone", "updated_at"])
    return kept
