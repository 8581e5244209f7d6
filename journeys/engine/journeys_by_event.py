"""Which journeys react to events right now, indexed for one set-based pass over a batch of events."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from journeys.graph.cache import compiled_version, version_settings

REACTING_STATUSES = ("live", "paused", "closed")


@dataclass
class JourneyInfo:
    id: int
    status: str
    version_id: int
    settings: dict


@dataclass
class Catalog:
    journeys: dict[int, JourneyInfo] = field(default_factory=dict)
    # event name -> [(journey id, trigger node id, filters)] for live journeys
    event_triggers: dict[str, list[tuple[int, str, list]]] = field(default_factory=lambda: defaultdict(list))
    # [(journey id, trigger node id, condition)] for live journeys re-checking changed customers
    audience_on_change: list[tuple[int, str, dict]] = field(default_factory=list)
    # Exit criteria and goals are per version: customers keep the rules of the version they are on.
    # event name -> [(journey id, version id, filters)]
    exit_criteria: dict[str, list[tuple[int, int, list]]] = field(default_factory=lambda: defaultdict(list))
    # event name -> [(journey id, version id, goal settings)]
    goals: dict[str, list[tuple[int, int, dict]]] = field(default_factory=lambda: defaultdict(list))


def load_catalog() -> Catalog:
    """Read the journeys that can react to events. Graphs and settings come from the version cache."""
    catalog = Catalog()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status, current_version_id FROM journeys_journey"
            " WHERE status = ANY(%s) AND current_version_id IS NOT NULL",
            [list(REACTING_STATUSES)],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT id, journey_id FROM journeys_journeyversion WHERE journey_id = ANY(%s)", [[r[0] for r in rows]]
        )
        versions = cursor.fetchall()
    for version_id, journey_id in versions:
        settings = version_settings(version_id)
        for criterion in settings.get("exit_criteria") or []:
            catalog.exit_criteria[criterion["event"]].append((journey_id, version_id, criterion.get("filters") or []))
        if goal := settings.get("goal"):
            catalog.goals[goal["event"]].append((journey_id, version_id, goal))
    for journey_id, status, version_id in rows:
        info = JourneyInfo(journey_id, status, version_id, version_settings(version_id))
        catalog.journeys[journey_id] = info
        if status != "live":
            continue
        # Each trigger kind says which events enter customers and whether its audience is re-checked.
        for node_id, trigger, config in compiled_version(version_id).entry_points():
            for entry in trigger.entry_events(config):
                catalog.event_triggers[entry.event].append((journey_id, node_id, entry.filters))
            audience = trigger.audience(config)
            if audience is not None and audience.enters_on_change:
                catalog.audience_on_change.append((journey_id, node_id, audience.condition))
    return catalog
