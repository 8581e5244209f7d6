"""The delivery worker: claim due outbox rows, apply the guardrails, render, send, record.

Exactly once, as far as a provider allows:

1. Claim (one short transaction): due `queued` rows and `sending` rows whose lease ran out
   (their worker died) are locked with SKIP LOCKED. Consent, suppressions, frequency caps,
   quiet hours and send-rate limits decide each queued row: skip it (with a reason), hold it
   (`not_before` moves on) or send it. Rows to send become `sending` with a lease and one more
   attempt, and the transaction commits before anything is sent.
2. Send, outside any transaction, each message with the idempotency key derived from its
   delivery id. A row is never sent after its lease is nearly over, so no other worker can be
   sending it at the same time.
3. Record outcomes in small set-based batches as they complete: `sent` (with the provider's
   message id and what was rendered), `queued` again with exponential backoff for temporary
   failures, `failed` for permanent ones or when attempts run out.

A worker killed between 2 and 3 loses nothing: its rows' leases expire and the next worker
sends them again with the same key, which a provider honouring keys drops as a repeat.

A database that goes away during 3 (a restart, a failover, a dropped connection) must not
turn into that second send: the worker is alive and knows every outcome, so it keeps them in
memory and retries the record with backoff on a fresh connection until it lands. Each record
is fenced by the claim's lease (`lease_until` still holds the value this claim wrote), so it
is a no-op when it already landed (the commit went through but its answer was lost) or when
another worker has since taken the row over; counters and held customers move only for rows
the record actually changed, so a retry never counts twice.
"""

import logging
import math
import time
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from journeys.delivery import channels, content, tokens
from journeys.delivery.policy import Policy, current_policy
from journeys.delivery.providers import OutgoingMessage, PermanentFailure, TemporaryFailure, provider_for
from journeys.delivery.rendering import RenderError
from journeys.engine.batch import BatchWriter
from journeys.engine.hooks import engine_wake
from journeys.models import MessageTemplate
from journeys.models.delivery import idempotency_key
from journeys.nodes.base import describe_duration
from journeys.sql import bulk_cursor, from_json, json_text

logger = logging.getLogger("journeys.delivery")

# Progress is recorded at least this often, so a killed worker leaves few rows to resend.
FLUSH_EVERY = 50
# Errors that mean "the database or the way to it went away", not "this statement is wrong":
# Django's wrapped ones (commit, ORM) and psycopg's own (the raw bulk cursor).
CONNECTION_LOST = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# Backoff between attempts to record outcomes: quick at first (a dropped connection), then
# patient (a restart or failover takes seconds).
RECORD_FIRST_DELAY = 0.05
RECORD_MAX_DELAY = 2.0


@dataclass
class Row:
    id: int
    status: str
    channel: str
    payload: dict
    node_id: str
    visit: int
    enrollment_id: int
    journey_id: int
    journey_name: str
    attempts: int
    template_id: int | None
    customer: dict
    context: dict
    note: str = ""  # the row's error column as claimed: why it was held last time, if it was
    recipient: str = ""
    slot: float = 0.0  # seconds after the claim when the rate limit lets this row go


@dataclass
class Outcome:
    row: Row
    status: str  # sent, retry, failed, released
    provider_message_id: str = ""
    rendered: dict | None = None
    error: str = ""
    retry_at: datetime | None = None


@dataclass
class Claim:
    now: datetime
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0
    held: int = 0
    lease_until: datetime | None = None


def deliveries_send(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Claim and send one batch of due deliveries; return how many rows were decided (sent, skipped, failed...)."""
    policy = current_policy()
    claim = _claim(limit or settings.DELIVERY_BATCH_SIZE, now or timezone.now(), policy)
    if claim.rows:
        _send(claim, policy)
    return len(claim.rows) + claim.skipped + claim.held


# --- 1. claim


def _claim(limit: int, now: datetime, policy: Policy) -> Claim:
    claim = Claim(now=now, lease_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS))
    with transaction.atomic(), bulk_cursor() as cursor:
        cursor.execute(
            "SELECT id FROM journeys_delivery WHERE status = 'sending' AND lease_until < %s"
            " ORDER BY lease_until LIMIT %s FOR UPDATE SKIP LOCKED",
            [now, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) < limit:
            cursor.execute(
                "SELECT id FROM journeys_delivery WHERE status = 'queued' AND not_before <= %s"
                " ORDER BY not_before LIMIT %s FOR UPDATE SKIP LOCKED",
                [now, limit - len(ids)],
            )
            ids += [row[0] for row in cursor.fetchall()]
        if not ids:
            return claim
        rows = _load(cursor, ids)
        for row in rows:
            row.recipient = _recipient(row)
        decisions = Decisions(now)
        fresh = [row for row in rows if row.status == "queued"]
        for row in rows:
            if row.status == "sending" and row.attempts >= policy.max_attempts:
                decisions.fail(row, f"gave up after {row.attempts} attempts: the worker sending it stopped")
        _check_people(cursor, fresh, decisions, policy, now)
        sendable = [row for row in rows if row.id not in decisions.decided]
        _check_caps(cursor, sendable, decisions, policy, now)
        sendable = [row for row in rows if row.id not in decisions.decided]
        _throttle(cursor, sendable, decisions, policy, now)
        claim.rows = [row for row in rows if row.id not in decisions.decided]
        decisions.write(cursor, claim)
        claim.skipped, claim.held = len(decisions.skipped), len(decisions.held)
    return claim


_LOAD_SQL = (
    "SELECT d.id, d.status, d.channel, d.payload, d.node_id, d.visit, d.enrollment_id, d.journey_id, j.name,"
    " d.attempts, c.id, c.external_id, c.email, c.phone, c.timezone, c.attributes, c.consent, e.context, d.error"
    " FROM journeys_delivery d JOIN journeys_customer c ON c.id = d.customer_id"
    " JOIN journeys_journey j ON j.id = d.journey_id JOIN journeys_enrollment e ON e.id = d.enrollment_id"
    " WHERE d.id = ANY(%s) ORDER BY d.id"
)


def _load(cursor, ids: list[int]) -> list[Row]:
    cursor.execute(_LOAD_SQL, [ids])
    rows = []
    for r in cursor.fetchall():
        payload = from_json(r[3])
        template = payload.get("template")
        rows.append(
            Row(
                id=r[0],
                status=r[1],
                channel=r[2],
                payload=payload,
                node_id=r[4],
                visit=r[5],
                enrollment_id=r[6],
                journey_id=r[7],
                journey_name=r[8],
                attempts=r[9],
                template_id=template if isinstance(template, int) else None,
                customer={
                    "id": r[10],
                    "external_id": r[11],
                    "email": r[12],
                    "phone": r[13],
                    "timezone": r[14],
                    "attributes": from_json(r[15]),
                    "consent": from_json(r[16]),
                },
                context=from_json(r[17]),
                note=r[18] or "",
            )
        )
    return rows


class Decisions:
    """What the claim decided for rows it will not send now: skip (with a reason), hold or fail."""

    def __init__(self, now: datetime):
        self.now = now
        self.decided: set[int] = set()
        self.skipped: list[tuple[Row, str, str]] = []
        self.held: list[tuple[Row, datetime, str]] = []
        self.failed: list[tuple[Row, str]] = []
        self.held_reasons: list[tuple[Row, str]] = []

    def skip(self, row: Row, reason: str, detail: str) -> None:
        self.decided.add(row.id)
        self.skipped.append((row, reason, detail))

    def hold(self, row: Row, until: datetime, note: str, reason: str) -> None:
        """Keep the row queued until `until`; `reason` (quiet_hours, frequency_cap, rate_limit) is counted on
        the node the first time a row is held for it in a row, not at each batch that finds it still held."""
        self.decided.add(row.id)
        self.held.append((row, until, note))
        if _held_for(row.note, row.channel) != reason:
            self.held_reasons.append((row, reason))

    def fail(self, row: Row, error: str) -> None:
        self.decided.add(row.id)
        self.failed.append((row, error))

    def write(self, cursor, claim: Claim) -> None:
        if claim.rows:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'sending', lease_until = %s, attempts = d.attempts + 1,"
                " recipient = v.recipient FROM unnest(%b::bigint[], %b::text[]) AS v(id, recipient) WHERE d.id = v.id",
                [claim.lease_until, [r.id for r in claim.rows], [r.recipient[:2000] for r in claim.rows]],
            )
        if self.skipped:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'skipped', skip_reason = v.reason, error = v.detail,"
                " finished_at = %s, lease_until = NULL"
                " FROM unnest(%b::bigint[], %b::text[], %b::text[]) AS v(id, reason, detail) WHERE d.id = v.id",
                [self.now, *_columns([(r.id, reason, detail) for r, reason, detail in self.skipped])],
            )
        if self.held:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'queued', not_before = v.until, error = v.note,"
                " lease_until = NULL FROM unnest(%b::bigint[], %b::timestamptz[], %b::text[]) AS v(id, until, note)"
                " WHERE d.id = v.id",
                _columns([(r.id, until, note) for r, until, note in self.held]),
            )
        if self.failed:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'failed', error = v.error, finished_at = %s,"
                " lease_until = NULL FROM unnest(%b::bigint[], %b::text[]) AS v(id, error) WHERE d.id = v.id",
                [self.now, *_columns([(r.id, error) for r, error in self.failed])],
            )
        stats = Counter()
        for row, reason, _ in self.skipped:
            stats[(row.journey_id, row.node_id, "delivery:skipped")] += 1
            stats[(row.journey_id, row.node_id, f"delivery:skipped:{reason}")] += 1
        for row, _ in self.failed:
            stats[(row.journey_id, row.node_id, "delivery:failed")] += 1
        for row, reason in self.held_reasons:
            stats[(row.journey_id, row.node_id, f"delivery:held:{reason}")] += 1
        _count(stats, self.now)
        _release_held(cursor, [(row, "failed") for row, _ in self.failed], self.now)


def _held_for(note: str, channel: str) -> str:
    """Which hold a row's note records (the notes hold() writes below), or "" for none."""
    if note.startswith("quiet hours"):
        return "quiet_hours"
    if note.startswith("frequency cap"):
        return "frequency_cap"
    if note.startswith(f"{channel} send rate"):
        return "rate_limit"
    return ""


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


def _transactional(row: Row) -> bool:
    return bool(row.payload.get("transactional"))


def _recipient(row: Row) -> str:
    channel = channels.get(row.channel)
    # A row of an unknown channel gets no address; sending it fails for want of a provider.
    return channel.recipient(row.customer, row.payload) if channel else ""


def _check_people(cursor, rows: list[Row], decisions: Decisions, policy: Policy, now: datetime) -> None:
    """Addresses, suppressions, consent and quiet hours: per customer, read once for the batch."""
    people = [row for row in rows if channels.needs_consent(row.channel)]
    suppressed: dict[tuple[int, str], set[str]] = defaultdict(set)
    if people:
        cursor.execute(
            "SELECT customer_id, channel, scope FROM journeys_suppression WHERE customer_id = ANY(%s)",
            [sorted({row.customer["id"] for row in people})],
        )
        for customer_id, channel, scope in cursor.fetchall():
            suppressed[(customer_id, channel)].add(scope)
    for row in people:
        channel, customer = row.channel, row.customer
        address_kind = channels.get(channel).address_kind
        scopes = suppressed.get((customer["id"], channel), set())
        transactional = _transactional(row)
        if address_kind and not row.recipient:
            decisions.skip(row, "no_address", f"the customer has no {address_kind}")
        elif "all" in scopes:
            decisions.skip(row, "unsubscribed", f"opted out of all {channel} messages, transactional too")
        elif transactional:
            continue  # consent to marketing, quiet hours and caps are for marketing messages
        elif "marketing" in scopes:
            decisions.skip(row, "unsubscribed", f"unsubscribed from marketing {channel}")
        elif not _consented(customer["consent"], channel):
            decisions.skip(row, "no_consent", f"no consent to marketing {channel}")
        elif policy.quiet_hours and channel in policy.quiet_channels:
            zone = policy.customer_timezone(customer["timezone"])
            resume = policy.quiet_hours.resume_at(now, zone)
            if resume is not None:
                decisions.hold(row, resume, f"quiet hours in {zone}: held until {resume.isoformat()}", "quiet_hours")


def _consented(consent, channel: str) -> bool:
    return channels.get(channel).consented(consent)


def _check_caps(cursor, rows: list[Row], decisions: Decisions, policy: Policy, now: datetime) -> None:
    """Frequency caps across journeys, counting marketing sends already made or in flight."""
    capped = [row for row in rows if row.status == "queued" and row.channel in policy.caps and not _transactional(row)]
    if not capped:
        return
    customers = sorted({row.customer["id"] for row in capped})
    # Two workers checking the same customer's cap at once would both see room for one more.
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtext('cjo-delivery-cap'), id::int) FROM unnest(%s::bigint[]) AS id",
        [customers],
    )
    recent: dict[tuple[int, str], tuple[int, datetime]] = {}
    for channel in {row.channel for row in capped}:
        cap = policy.caps[channel]
        cursor.execute(
            "SELECT customer_id, count(*), min(COALESCE(sent_at, %s)) FROM journeys_delivery"
            " WHERE customer_id = ANY(%s) AND channel = %s AND status IN ('sending', 'sent', 'delivered', 'bounced')"
            " AND (sent_at >= %s OR sent_at IS NULL) AND NOT COALESCE((payload ->> 'transactional')::boolean, false)"
            " GROUP BY customer_id",
            [now, customers, channel, now - cap.window],
        )
        for customer_id, count, oldest in cursor.fetchall():
            recent[(customer_id, channel)] = (count, oldest)
    for row in capped:
        cap = policy.caps[row.channel]
        key = (row.customer["id"], row.channel)
        count, oldest = recent.get(key, (0, now))
        if count < cap.limit:
            recent[key] = (count + 1, min(oldest, now))
            continue
        window = _describe_window(cap.window)
        if row.payload.get("when_capped") == "delay":
            note = f"frequency cap: {cap.limit} {row.channel} per {window}"
            decisions.hold(row, oldest + cap.window, note, "frequency_cap")
        else:
            decisions.skip(row, "capped", f"frequency cap: already {count} {row.channel} in {window}")


def _describe_window(window: timedelta) -> str:
    return describe_duration(window.total_seconds())


def _throttle(cursor, rows: list[Row], decisions: Decisions, policy: Policy, now: datetime) -> None:
    """Per-channel send rates shared by all workers (GCRA on one row per channel): excess waits."""
    by_channel = defaultdict(list)
    for row in rows:
        if row.channel in policy.rates:
            by_channel[row.channel].append(row)
    for channel, channel_rows in sorted(by_channel.items()):
        rate = policy.rates[channel]
        interval = 1.0 / rate
        burst = max(1.0, interval)
        cursor.execute(
            "INSERT INTO journeys_channelthrottle (channel, tat) VALUES (%s, %s) ON CONFLICT (channel) DO NOTHING",
            [channel, now],
        )
        cursor.execute("SELECT tat FROM journeys_channelthrottle WHERE channel = %s FOR UPDATE", [channel])
        tat = max(cursor.fetchone()[0], now)
        start = (tat - now).total_seconds()
        room = max(0, math.floor((burst - start) * rate + 1e-9))
        granted = channel_rows[:room]
        for index, row in enumerate(granted):
            row.slot = start + index * interval
        new_tat = tat + timedelta(seconds=len(granted) * interval)
        for row in channel_rows[room:]:
            decisions.hold(row, new_tat, f"{channel} send rate: {rate:g} per second", "rate_limit")
        cursor.execute("UPDATE journeys_channelthrottle SET tat = %s WHERE channel = %s", [new_tat, channel])


# --- 2. send


def _send(claim: Claim, policy: Policy) -> None:
    by_channel = defaultdict(list)
    for row in claim.rows:
        by_channel[row.channel].append(row)
    started = time.monotonic()

    def clock() -> datetime:
        # The claim's time moved on by the time spent since: real time, or a test's chosen time.
        return claim.now + timedelta(seconds=time.monotonic() - started)

    remaining = (claim.lease_until - claim.now).total_seconds()
    deadline = started + remaining - min(_safety_margin(), remaining / 3)
    # Recording may go on past the lease: the fence makes a late record harmless, and giving up
    # means a second send (see _record). One more lease's length covers any restart or failover.
    recorder = Recorder(policy, claim.lease_until, give_up_at=started + remaining + settings.DELIVERY_LEASE_SECONDS)
    templates = _templates({row.template_id for row in claim.rows if row.template_id})
    pending: list[Outcome] = []
    for channel, rows in by_channel.items():
        try:
            provider = provider_for(channel)
            provider.open()
        except (TemporaryFailure, PermanentFailure, ImportError) as error:
            temporary = isinstance(error, TemporaryFailure)
            for row in rows:
                pending.append(_failure(row, str(error), temporary, policy, clock()))
            recorder.flush(pending, clock())
            continue
        try:
            threads = max(1, min(provider.concurrency, settings.DELIVERY_SEND_THREADS))
            if threads == 1:
                # In this thread: providers that write to the database (in-app) use its connection.
                for row in rows:
                    pending.append(_send_one(provider, row, templates, policy, started, deadline, clock))
                    if len(pending) >= FLUSH_EVERY:
                        recorder.flush(pending, clock())
                continue
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"send-{channel}") as pool:
                futures = set()
                for row in rows:
                    futures.add(pool.submit(_send_one, provider, row, templates, policy, started, deadline, clock))
                    if len(futures) >= threads * 4:
                        done, futures = wait(futures, return_when=FIRST_COMPLETED)
                        pending += [future.result() for future in done]
                        if len(pending) >= FLUSH_EVERY:
                            recorder.flush(pending, clock())
                for future in futures:
                    pending.append(future.result())
                    if len(pending) >= FLUSH_EVERY:
                        recorder.flush(pending, clock())
        finally:
            provider.close()
    recorder.flush(pending, clock())


def _safety_margin() -> float:
    return max(settings.WEBHOOK_TIMEOUT, settings.SMS_TIMEOUT, settings.EMAIL_TIMEOUT) + 5


def _templates(ids: set[int]) -> dict:
    if not ids:
        return {}
    return MessageTemplate.objects.in_bulk(list(ids))


def _send_one(provider, row: Row, templates: dict, policy: Policy, started: float, deadline: float, clock) -> Outcome:
    if row.slot:
        time.sleep(max(0.0, started + row.slot - time.monotonic()))
    if time.monotonic() > deadline:
        # Too close to the end of the lease: another worker may take the row soon, so leave it.
        return Outcome(row, "released", error="the batch ran out of time; sent by a later batch")
    try:
        message = _message(row, templates)
    except RenderError as error:
        return Outcome(row, "failed", error=f"render error: {error}")
    except Exception as error:  # a bug while building one message: the batch's other outcomes still count
        logger.exception("building delivery %s failed", row.id)
        return _failure(row, f"{error.__class__.__name__}: {error}", True, policy, clock())
    try:
        provider_id = provider.send(message)
    except TemporaryFailure as error:
        return _failure(row, str(error), True, policy, clock(), rendered=message.parts, retry_after=error.retry_after)
    except PermanentFailure as error:
        return _failure(row, str(error), False, policy, clock(), rendered=message.parts)
    except Exception as error:  # a provider bug must not lose the row or stop the batch
        logger.exception("provider %s failed on delivery %s", provider.__class__.__name__, row.id)
        return _failure(row, f"{error.__class__.__name__}: {error}", True, policy, clock(), rendered=message.parts)
    return Outcome(row, "sent", provider_message_id=str(provider_id or "")[:255], rendered=message.parts)


def _failure(row, error, temporary, policy, now, *, rendered=None, retry_after=None) -> Outcome:
    if temporary and row.attempts + 1 < policy.max_attempts:
        retry_at = now + policy.retry_delay(row.attempts + 1, retry_after)
        return Outcome(row, "retry", rendered=rendered, error=error[:2000], retry_at=retry_at)
    if temporary:
        error = f"{error} (gave up after {row.attempts + 1} attempts)"
    return Outcome(row, "failed", rendered=rendered, error=error[:2000])


def _message(row: Row, templates: dict) -> OutgoingMessage:
    template = templates.get(row.template_id) if row.template_id else None
    if row.template_id and template is None and not _has_inline_content(row):
        raise RenderError(f"template {row.template_id} no longer exists")
    if template is not None and template.channel != row.channel:
        raise RenderError(f"template {template.id} is for {template.channel}, not {row.channel}")
    channel = content.channel_for(row.channel)
    unsubscribe = tokens.unsubscribe_url(row.id) if channel.uses_unsubscribe_link else ""
    source, parts = content.message_parts(
        channel=row.channel,
        config=row.payload,
        template=template,
        customer=row.customer,
        enrollment_context=row.context,
        journey={"id": row.journey_id, "name": row.journey_name},
        delivery_id=row.id,
        node_id=row.node_id,
        unsubscribe_url=unsubscribe,
    )
    parts, headers, config = channel.outgoing(
        delivery_id=row.id, parts=parts, source=source, config=dict(row.payload), unsubscribe_url=unsubscribe
    )
    return OutgoingMessage(
        delivery_id=row.id,
        idempotency_key=idempotency_key(row.id),
        customer_id=row.customer["id"],
        to=row.recipient,
        parts=parts,
        config=config,
        headers=headers,
    )


def _has_inline_content(row: Row) -> bool:
    channel = channels.get(row.channel)
    return bool(channel) and all(row.payload.get(key) for key in channel.inline_fields)


# --- 3. record


class Recorder:
    """Writes a batch's outcomes, retrying across lost connections until they are recorded."""

    def __init__(self, policy: Policy, lease_until: datetime, *, give_up_at: float):
        self.policy = policy
        self.lease_until = lease_until
        self.give_up_at = give_up_at

    def flush(self, outcomes: list[Outcome], now: datetime) -> None:
        """Record `outcomes` and empty the list; they stay in it until the record has committed."""
        if not outcomes:
            return
        _record(list(outcomes), self.policy, now, self.lease_until, self.give_up_at)
        outcomes.clear()


def _record(batch: list[Outcome], policy: Policy, now: datetime, lease_until: datetime, give_up_at: float) -> None:
    """Write outcomes; on a lost connection, reconnect and write them again, with backoff.

    The message went out already, so an outcome not recorded would be sent a second time once
    the lease expires. Only when the database stays away beyond `give_up_at` does the error
    propagate (the rows then fall back to the lease: sent again with the same idempotency key).
    """
    delay = RECORD_FIRST_DELAY
    attempt = 1
    while True:
        try:
            _write_outcomes(batch, policy, now, lease_until)
            return
        except CONNECTION_LOST as error:
            # Inside a caller's transaction a reconnect would silently drop the caller's work.
            if connection.in_atomic_block or time.monotonic() + delay > give_up_at:
                raise
            logger.warning(
                "recording %d delivery outcomes failed (attempt %d), retrying in %.2f s: %s",
                len(batch),
                attempt,
                delay,
                error,
            )
            _drop_connection()
            time.sleep(delay)
            delay = min(delay * 2, RECORD_MAX_DELAY)
            attempt += 1


def _drop_connection() -> None:
    """Let go of a broken connection so the next statement opens a fresh one (or takes a sound one from the pool)."""
    try:
        connection.close()
    except Exception:  # closing a dead socket may itself fail; the handle is dropped either way
        logger.debug("closing the lost database connection failed", exc_info=True)


def _write_outcomes(batch: list[Outcome], policy: Policy, now: datetime, lease_until: datetime) -> None:
    by_status = defaultdict(list)
    for outcome in batch:
        by_status[outcome.status].append(outcome)
    # Every statement is fenced by this claim's lease: rows already recorded (by an attempt whose
    # commit went through unanswered) or taken over by another worker are left alone, and only
    # the ids each statement returns are counted or released.
    with transaction.atomic(), bulk_cursor() as cursor:
        sent_ids: set[int] = set()
        failed_ids: set[int] = set()
        if sent := by_status["sent"]:
            # A provider's callback may have moved the row on (delivered, bounced) before this record:
            # its status stays, the send's details are still written.
            cursor.execute(
                "UPDATE journeys_delivery d SET status = CASE WHEN d.status = 'sending' THEN 'sent' ELSE d.status END,"
                " sent_at = %s, finished_at = %s, lease_until = NULL, provider_message_id = v.pid,"
                " rendered = v.rendered::jsonb, error = CASE WHEN d.status = 'sending' THEN '' ELSE d.error END,"
                f" template_id = {_EXISTING_TEMPLATE}"
                " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::bigint[]) AS v(id, pid, rendered, template)"
                " WHERE d.id = v.id AND d.lease_until = %s RETURNING d.id",
                [
                    now,
                    now,
                    *_columns(
                        [(o.row.id, o.provider_message_id, json_text(o.rendered), o.row.template_id) for o in sent]
                    ),
                    lease_until,
                ],
            )
            sent_ids = {row[0] for row in cursor.fetchall()}
        if retry := by_status["retry"]:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'queued', not_before = v.at, error = v.error,"
                " lease_until = NULL FROM unnest(%b::bigint[], %b::timestamptz[], %b::text[]) AS v(id, at, error)"
                " WHERE d.id = v.id AND d.status = 'sending' AND d.lease_until = %s",
                [*_columns([(o.row.id, o.retry_at, o.error) for o in retry]), lease_until],
            )
        if released := by_status["released"]:
            cursor.execute(
                "UPDATE journeys_delivery SET status = 'queued', not_before = %s, lease_until = NULL,"
                " attempts = greatest(attempts - 1, 0) WHERE id = ANY(%s) AND status = 'sending' AND lease_until = %s",
                [now, [o.row.id for o in released], lease_until],
            )
        if failed := by_status["failed"]:
            cursor.execute(
                "UPDATE journeys_delivery d SET status = 'failed', finished_at = %s, lease_until = NULL,"
                " error = v.error, rendered = v.rendered::jsonb, "
                f" template_id = {_EXISTING_TEMPLATE}"
                " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::bigint[]) AS v(id, error, rendered, template)"
                " WHERE d.id = v.id AND d.status = 'sending' AND d.lease_until = %s RETURNING d.id",
                [
                    now,
                    *_columns(
                        [
                            (o.row.id, o.error, json_text(o.rendered) if o.rendered else None, o.row.template_id)
                            for o in failed
                        ]
                    ),
                    lease_until,
                ],
            )
            failed_ids = {row[0] for row in cursor.fetchall()}
        sent = [o for o in sent if o.row.id in sent_ids]
        failed = [o for o in failed if o.row.id in failed_ids]
        stats = Counter()
        for outcome in sent:
            stats[(outcome.row.journey_id, outcome.row.node_id, "delivery:sent")] += 1
        for outcome in failed:
            stats[(outcome.row.journey_id, outcome.row.node_id, "delivery:failed")] += 1
        _count(stats, now)
        _release_held(cursor, [(o.row, "next") for o in sent] + [(o.row, "failed") for o in failed], now)
    for outcome in failed:
        logger.warning("delivery %s failed: %s", outcome.row.id, outcome.error)


# A template deleted since the claim must not fail the whole record (its rows would be resent).
_EXISTING_TEMPLATE = "(SELECT t.id FROM journeys_messagetemplate t WHERE t.id = v.template)"


def _count(stats: Counter, now: datetime) -> None:
    """Per-node delivery counters, written and announced as the engine's own, so the canvas shows sends and skips."""
    writer = BatchWriter(now)
    for (journey_id, node_id, metric), delta in stats.items():
        writer.count(journey_id, node_id, metric, delta)
    writer.flush()


def _holds_for_outcome(row: Row) -> bool:
    channel = channels.get(row.channel)
    return bool(channel and channel.holds_for_outcome(row.payload))


def _release_held(cursor, finished: list[tuple[Row, str]], now: datetime) -> None:
    """Let customers held at a webhook node move on: through `next` once sent, `failed` once it failed.

    Done like the event pass wakes a wait (wake_port, due now), targeted at the enrollment,
    node and visit of the delivery, so a late outcome never moves a customer who has left.
    """
    held = [(row, port) for row, port in finished if _holds_for_outcome(row)]
    if not held:
        return
    cursor.execute(
        "UPDATE journeys_enrollment e SET wake_port = v.port, due_at = %s,"
        " waiting_for = CASE v.port WHEN 'next' THEN 'Webhook Delivered' ELSE 'Webhook Failed' END"
        " FROM unnest(%b::bigint[], %b::text[], %b::int[], %b::text[]) AS v(id, node, visit, port)"
        " WHERE e.id = v.id AND e.status = 'active' AND e.node_id = v.node AND e.wake_port = ''"
        " AND e.due_port = 'failed' AND COALESCE((e.context -> 'visits' ->> v.node)::int, 0) = v.visit",
        [now, *_columns([(row.enrollment_id, row.node_id, row.visit, port) for row, port in held])],
    )
    if cursor.rowcount:
        transaction.on_commit(engine_wake)
