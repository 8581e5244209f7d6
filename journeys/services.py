"""Services on journeys: drafts, publishing versions, lifecycle, import/export, API entry.

Views, admin actions and tasks call these; they never change journey state themselves.
"""

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from journeys.engine import changes
from journeys.engine.audience import audience_customer_ids
from journeys.engine.entry import Entrant
from journeys.engine.events import enter_matching_audiences
from journeys.engine.hooks import engine_wake
from journeys.engine.journeys_by_event import load_catalog
from journeys.experiments.selectors import split_nodes
from journeys.governance import approvals, audit
from journeys.governance.diff import graph_diff, summary
from journeys.graph import Issue, ValidationResult, shape_errors, validate_graph
from journeys.graph.cache import compiled_version
from journeys.input import InputError, check_value
from journeys.journey_settings import clean_settings
from journeys.models import Customer, Experiment, Journey, JourneyVersion, NodeStat
from journeys.selectors import FIRST_FLOW_HOUR

EXPORT_FORMAT = "cjo.journey"
EXPORT_VERSION = 1
# Validation codes that mean the graph is not a graph at all; anything else may be fixed in the draft.
CHUNK = 5000
Status = Journey.Status


class JourneyError(Exception):
    """A request that the journey's state or content does not allow; the message says why."""

    def __init__(self, message: str, *, validation: ValidationResult | None = None):
        super().__init__(message)
        self.validation = validation


# --- drafts


@transaction.atomic  # the journey and its audit entry are written together, or neither is
def journey_create(*, name: str, description: str = "", graph=None, settings=None, user=None) -> Journey:
    journey = Journey.objects.create(
        name=name,
        description=description,
        graph=graph or {"nodes": [], "edges": []},
        settings=settings or {},
        created_by=user if user is not None and user.is_authenticated else None,
    )
    audit.record(
        "journey.create", journey, {"name": name, "changes": summary(graph_diff(None, journey.graph))}, user=user
    )
    return journey


@transaction.atomic  # the change and its audit entry are written together, or neither is
def journey_update(*, journey: Journey, **changes) -> Journey:
    """Change the draft (name, description, graph, settings). Live customers are unaffected until publish."""
    if journey.status == Status.ARCHIVED:
        raise JourneyError("an archived journey cannot be edited")
    if locked := approvals.draft_lock_reason(journey):
        raise JourneyError(locked)
    # From the row, not the instance: the admin hands over an instance its form already changed.
    before = Journey.objects.filter(pk=journey.pk).values("name", "description", "graph", "settings").first() or {}
    for field_name in ("name", "description", "graph", "settings"):
        if field_name in changes:
            setattr(journey, field_name, changes[field_name])
    journey.save()
    _record_edit(journey, before)
    return journey


def _record_edit(journey: Journey, before: dict) -> None:
    diff = audit.field_diff(
        {"name": before.get("name"), "description": before.get("description")},
        {"name": journey.name, "description": journey.description},
    )
    before_graph = before.get("graph")
    if shape_errors(before_graph):
        before_graph = None  # a draft saved before shapes were checked on save: every node counts as added
    graph_changes = graph_diff(
        before_graph, journey.graph, settings_before=before.get("settings"), settings_after=journey.settings
    )
    if graph_changes["nodes"]["moved"] or not _graph_unchanged(graph_changes):
        diff["graph"] = summary(graph_changes)
    if graph_changes["settings"]:
        diff["settings"] = graph_changes["settings"]
    if diff:
        audit.record("journey.edit", journey, diff)


def _graph_unchanged(changes: dict) -> bool:
    return not any(changes["nodes"][k] for k in ("added", "removed", "changed")) and not any(changes["edges"].values())


def journey_validate(*, graph: dict, settings: dict) -> ValidationResult:
    """Graph rules plus the settings' own checks, as one result for the canvas."""
    result = validate_graph(graph)
    _cleaned, errors = clean_settings(settings)
    for field_name, messages in errors.items():
        result.errors.append(
            Issue(code="invalid_settings", message=f"{field_name}: {_first_message(messages)}", field=field_name)
        )
    return result


def _first_message(messages) -> str:
    while isinstance(messages, list | dict):
        messages = next(iter(messages.values() if isinstance(messages, dict) else messages), "")
    return str(messages)


# --- publishing


@dataclass
class PublishResult:
    version: JourneyVersion
    moved: int
    removed: int


def journey_publish(
    *, journey: Journey, user=None, migrate: bool = False, mapping: dict | None = None, now: datetime | None = None
) -> PublishResult:
    """Copy the draft into a new immutable version and make it the one new customers enter.

    Refused for a live or paused journey whose draft graph and settings equal the current
    version's. Customers
    already inside stay on their version unless `migrate`: then each moves to the
    node with the same id in the new version, or to `mapping[old_node_id]`; one whose node
    no longer exists and is not mapped exits with reason "removed".
    """
    now = now or timezone.now()
    mapping = mapping or {}
    with transaction.atomic():
        # Validate the row as locked, so an edit landing meanwhile cannot slip in unvalidated.
        journey = Journey.objects.select_for_update(no_key=True).get(pk=journey.pk)
        if journey.status == Status.ARCHIVED:
            raise JourneyError("an archived journey cannot be published")
        result = journey_validate(graph=journey.graph, settings=journey.settings)
        if not result.ok:
            raise JourneyError("the journey has errors that block publishing", validation=result)
        settings, _ = clean_settings(journey.settings)
        last = journey.current_version
        # A version identical to the live one would only split the customers' history; the
        # graph and settings compare as JSON values (key order never matters), settings as
        # the version stores them, cleaned. Checked before migrating, so a node mapping
        # cannot make an unchanged draft publish either. A closed or stopped journey may
        # publish unchanged: that is how it takes customers again.
        unchanged = last is not None and last.graph == journey.graph and last.settings == settings
        if unchanged and journey.status in (Status.LIVE, Status.PAUSED):
            raise JourneyError(f"nothing changed since version {last.number}")
        try:
            approved = approvals.publish_check(journey=journey, user=user)
        except approvals.ApprovalError as error:
            raise JourneyError(str(error)) from None
        number = (journey.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = JourneyVersion.objects.create(
            journey=journey,
            number=number,
            graph=journey.graph,
            settings=settings,
            published_by=user if user is not None and user.is_authenticated else None,
        )
        journey.current_version = version
        if journey.status != Status.PAUSED:
            journey.status = Status.LIVE
        journey.next_audience_run_at = _next_scheduled_audience(version, now)
        journey.save()
        # A split's experiment starts when the split goes live: its record is made here, by the
        # publisher, not later by whoever first opens its report (a read that would then be
        # recorded in the audit log as creating it).
        for split in split_nodes(journey):
            Experiment.objects.get_or_create(journey=journey, node_id=split["id"])
        unknown = set(mapping.values()) - {node["id"] for node in journey.graph["nodes"]}
        if unknown:
            raise JourneyError(f"the node mapping points at nodes that do not exist: {', '.join(sorted(unknown))}")
        moved = removed = 0
        if migrate:
            moved, removed = changes.migrate_to_version(
                journey_id=journey.pk, version_id=version.pk, version_number=version.number, mapping=mapping, now=now
            )
        approvals.publish_done(review=approved)
        audit.record(
            "journey.publish",
            journey,
            {
                "version": version.number,
                "review": approved.pk if approved else None,
                "migrate": migrate,
                "moved": moved,
                "removed": removed,
                "changes": summary(
                    graph_diff(
                        last.graph if last else None,
                        version.graph,
                        settings_before=last.settings if last else {},
                        settings_after=settings,
                    )
                ),
            },
            user=user,
        )
        if _has_audience_entry_at_publish(version):
            from django_q.tasks import async_task

            transaction.on_commit(lambda: async_task("journeys.services.audience_enroll", journey.pk))
    return PublishResult(version=version, moved=moved, removed=removed)


# How customers enter is each trigger kind's to say (journeys/nodes/base.py, TriggerNode); these
# helpers only ask the triggers of a version.


def _entry_points(version: JourneyVersion):
    return compiled_version(version.id).entry_points()


def _has_audience_entry_at_publish(version: JourneyVersion) -> bool:
    audiences = (trigger.audience(config) for _, trigger, config in _entry_points(version))
    return any(audience is not None and audience.enters_at_publish for audience in audiences)


def _next_scheduled_audience(version: JourneyVersion, now: datetime) -> datetime | None:
    runs = [trigger.next_run_at(config, now) for _, trigger, config in _entry_points(version)]
    runs = [run for run in runs if run is not None]
    return min(runs) if runs else None


# --- lifecycle

TRANSITIONS = {
    "pause": ({Status.LIVE}, Status.PAUSED),
    "resume": ({Status.PAUSED}, Status.LIVE),
    "close": ({Status.LIVE, Status.PAUSED}, Status.CLOSED),
    "stop": ({Status.LIVE, Status.PAUSED, Status.CLOSED}, Status.STOPPED),
    "archive": ({Status.DRAFT, Status.CLOSED, Status.STOPPED}, Status.ARCHIVED),
}


def journey_transition(*, journey: Journey, action: str, now: datetime | None = None) -> Journey:
    """pause, resume, close, stop or archive. Stop (and archive) exit everyone still inside."""
    allowed_from, new_status = TRANSITIONS[action]
    now = now or timezone.now()
    with transaction.atomic():
        # A no-key lock: ticks writing rows that reference the journey are not blocked by it.
        journey = Journey.objects.select_for_update(no_key=True).get(pk=journey.pk)
        if journey.status not in allowed_from:
            raise JourneyError(f"cannot {action} a {journey.status} journey")
        old_status = journey.status
        journey.status = new_status
        journey.save(update_fields=["status", "updated_at"])
        # Lifecycle never waits for approval (pausing or stopping is how a bad journey is halted).
        audit.record(f"journey.{action}", journey, {"status": [old_status, new_status]})
    if new_status in (Status.STOPPED, Status.ARCHIVED):
        # After the status commits, no tick claims this journey's customers and no one enters,
        # so everyone still inside can be exited in batches without holding the journey row.
        changes.exit_everyone(journey_id=journey.pk, reason="stopped", now=now)
    if action == "resume":
        transaction.on_commit(engine_wake)
    return journey


# --- entering through the API and audiences


def enrollment_create_from_api(
    *, journey: Journey, external_id: str, context: dict | None = None, now: datetime | None = None
) -> int | None:
    """Enter one customer (created if unknown) at the journey's API trigger; the new enrollment id or None.

    None means the journey's rules kept them out (already inside, re-entry, entry cap).
    """
    now = now or timezone.now()
    if journey.status != Status.LIVE or journey.current_version_id is None:
        raise JourneyError(f"customers can only enter a live journey; this one is {journey.status}")
    entry_points = _entry_points(journey.current_version)
    trigger = next((node_id for node_id, trigger, _ in entry_points if trigger.enters_through_api), None)
    if trigger is None:
        raise JourneyError("this journey has no API trigger")
    with transaction.atomic():
        customer, _ = Customer.objects.get_or_create(external_id=external_id)
        entrant = Entrant(customer.pk, reason="entered through the API", context={"api": context or {}})
        created = changes.enter(journey_id=journey.pk, node_id=trigger, entrants=[entrant], now=now)
        transaction.on_commit(engine_wake)
    return created[0] if created else None


def customers_changed(*, customer_ids: list[int], now: datetime | None = None) -> None:
    """Profiles changed outside events (an import, an admin edit): re-check on-change audiences."""
    now = now or timezone.now()
    for start in range(0, len(customer_ids), CHUNK):
        with transaction.atomic():
            chunk = sorted(customer_ids[start : start + CHUNK])
            with changes.state_changes(now) as change:
                enter_matching_audiences(chunk, catalog=load_catalog(), writer=change.writer, now=now)
            transaction.on_commit(engine_wake)


def audience_enroll(journey_id: int, now: datetime | None = None) -> int:
    """Enter everyone who matches the journey's audience triggers now (at publish, or on schedule)."""
    now = now or timezone.now()
    journey = Journey.objects.select_related("current_version").get(pk=journey_id)
    if journey.status != Status.LIVE:
        return 0
    total = 0
    for node_id, trigger, config in _entry_points(journey.current_version):
        audience = trigger.audience(config)
        if audience is None:
            continue
        after_id = 0
        # A page at a time, each in its own transaction: an audience can be millions of customers.
        while matching := audience_customer_ids(audience.condition, now=now, after_id=after_id, limit=CHUNK):
            after_id = matching[-1]
            with transaction.atomic():
                entrants = [Entrant(c, reason="matched the audience") for c in matching]
                total += len(changes.enter(journey_id=journey_id, node_id=node_id, entrants=entrants, now=now))
    engine_wake()
    return total


def audiences_run_due(now: datetime | None = None) -> int:
    """Run the scheduled audience entries that fell due, and plan the next ones."""
    now = now or timezone.now()
    total = 0
    for journey in Journey.objects.filter(status=Status.LIVE, next_audience_run_at__lte=now):
        total += audience_enroll(journey.pk, now=now)
        journey.next_audience_run_at = _next_scheduled_audience(journey.current_version, now)
        journey.save(update_fields=["next_audience_run_at"])
    return total


# --- import and export


def journey_export(*, journey: Journey) -> dict:
    audit.record("journey.export", journey)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "name": journey.name,
        "description": journey.description,
        "settings": journey.settings,
        "graph": journey.graph,
    }


def journey_import(*, data: dict, user=None) -> Journey:
    """Create a draft journey from an export. The graph is kept exactly; validation happens at publish."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise JourneyError(f"not a journey export: expected format {EXPORT_FORMAT!r}")
    # `type(...) is int`: True == 1 in Python, and `"version": true` is not a version.
    if type(data.get("version")) is not int or data["version"] != EXPORT_VERSION:
        raise JourneyError(f"unsupported export version {data.get('version')!r}; this server reads {EXPORT_VERSION}")
    try:
        check_value(data)
    except InputError as error:
        raise JourneyError(str(error)) from None
    graph = data.get("graph")
    if not (isinstance(graph, dict) and isinstance(graph.get("nodes"), list) and isinstance(graph.get("edges"), list)):
        raise JourneyError("graph must be an object with nodes and edges lists")
    if problems := shape_errors(graph):
        raise JourneyError(f"the graph is malformed: {problems[0].message}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise JourneyError("name must be a non-empty string of at most 200 characters")
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    _, settings_errors = clean_settings(settings)
    if settings_errors:
        field, message = next(iter(settings_errors.items()))
        raise JourneyError(f"settings.{field}: {message}")
    return journey_create(
        name=name,
        description=str(data.get("description") or ""),
        graph=graph,
        settings=settings,
        user=user,
    )


# --- copies

COPY_PREFIX = "Copy of "


def journey_duplicate(*, journey: Journey, user=None) -> Journey:
    """A new draft with the journey's current draft graph, settings and description.

    Nothing of the original's history comes along: no versions, customers or counters.
    """
    name = f"{COPY_PREFIX}{journey.name}"[: Journey._meta.get_field("name").max_length]
    return journey_create(
        name=name,
        description=journey.description,
        graph=copy.deepcopy(journey.graph),
        settings=copy.deepcopy(journey.settings),
        user=user,
    )


# --- counter totals

# Hours this recent are left to the readers: the engine may still be adding to the current
# hour, and a tick that started just before the hour turned writes into the one before.
TOTALS_OPEN_HOURS = timedelta(hours=2)


# Serialises refreshes of one journey's totals (two runs adding the same hours would count them twice).
TOTALS_LOCK = 7_201_001


def node_stat_totals_refresh(*, now: datetime | None = None, full: bool | None = None) -> int:
    """Bring every journey's NodeStatTotal up to the hour two hours ago; return the journeys with totals.

    Run hourly. Usually incremental: each journey's totals gain the hours between their old and
    new `through`, so a run reads a few hours of counters. A full run (the first for a journey,
    and every run in the UTC midnight hour unless `full` says otherwise) sums all of a journey's
    hours afresh, which also counts any late write into an hour already summed.
    """
    now = now or timezone.now()
    through = (now - TOTALS_OPEN_HOURS).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if full is None:
        full = now.astimezone(UTC).hour == 0
    with_totals = 0
    # Only journeys with counters: for the others (drafts never published) a refresh would take
    # a lock and run its statements to add nothing.
    counted = Journey.objects.filter(Exists(NodeStat.objects.filter(journey=OuterRef("pk"))))
    for journey_id in counted.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TOTALS_LOCK, journey_id % 2**31])
            cursor.execute("SELECT through FROM journeys_nodestattotal WHERE journey_id = %s LIMIT 1", [journey_id])
            row = cursor.fetchone()
            if full or row is None:
                # Start again from the counts of hours retention has dropped (`retired`): those
                # hours are gone from NodeStat and the recount below cannot see them.
                cursor.execute("DELETE FROM journeys_nodestattotal WHERE journey_id = %s AND retired = 0", [journey_id])
                cursor.execute("UPDATE journeys_nodestattotal SET value = retired WHERE journey_id = %s", [journey_id])
                since = FIRST_FLOW_HOUR
            elif row[0] < through:
                since = row[0]
            else:
                with_totals += 1
                continue
            cursor.execute(
                "INSERT INTO journeys_nodestattotal AS t (journey_id, node_id, metric, value, through)"
                " SELECT journey_id, node_id, metric, sum(value), %s FROM journeys_nodestat"
                " WHERE journey_id = %s AND hour >= %s AND hour < %s GROUP BY journey_id, node_id, metric"
                " ON CONFLICT (journey_id, node_id, metric)"
                " DO UPDATE SET value = t.value + EXCLUDED.value, through = EXCLUDED.through",
                [through, journey_id, since, through],
            )
            # Nodes without new hours move on too: one `through` per journey.
            cursor.execute(
                "UPDATE journeys_nodestattotal SET through = %s WHERE journey_id = %s AND through <> %s",
                [through, journey_id, through],
            )
            cursor.execute("SELECT EXISTS (SELECT 1 FROM journeys_nodestattotal WHERE journey_id = %s)", [journey_id])
            with_totals += cursor.fetchone()[0]
    return with_totals
