"""What a node type is: a kind, ports, a config serializer, and a pure `run` decision.

`run(ctx)` looks at the customer, the enrollment and the node's config and returns an
Outcome: leave through a port now, wait (until a time, or for an event), jump, or exit. Side
effects are returned as intents (send a message, change attributes, record a variant) that
the engine writes in its batch transaction; a node never writes to the database itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rest_framework import serializers

CATEGORIES = ("trigger", "flow", "action", "end")


def describe_duration(seconds: float) -> str:
    """A duration in its largest whole unit, rounded: "3 days", "2 hours", "45 seconds"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


def short_duration(seconds: float) -> str:
    """A duration as a canvas title shows it: "1 h", "2 d", "90 min", in the largest unit that divides it."""
    seconds = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# Titles are read at a glance on the canvas; the inspector shows everything past this.
TITLE_MAX_LENGTH = 120


def shorten(text: str, limit: int = TITLE_MAX_LENGTH) -> str:
    """`text` on one line, cut at `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Intents: side effects the engine performs for a node, in the tick's transaction.


@dataclass(frozen=True)
class SendMessage:
    channel: str  # email, sms, webhook, in_app
    payload: dict


@dataclass(frozen=True)
class UpdateAttributes:
    set: dict = field(default_factory=dict)
    increment: dict = field(default_factory=dict)
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignVariant:
    variant: str


Intent = SendMessage | UpdateAttributes | AssignVariant


@dataclass(frozen=True)
class EventWait:
    """Leave through `port` as soon as the customer does `event` (matching `filters`)."""

    event: str
    filters: tuple = ()
    port: str = "matched"


@dataclass
class Outcome:
    """One node's decision for one customer."""

    reason: str
    port: str | None = None
    jump_to: str | None = None
    wait_until: datetime | None = None
    due_port: str = ""
    wait_for: EventWait | None = None
    exit: bool = False
    intents: list = field(default_factory=list)

    @classmethod
    def go(cls, port: str, reason: str, intents=()) -> "Outcome":
        return cls(reason=reason, port=port, intents=list(intents))

    @classmethod
    def wait(cls, *, until: datetime | None, port: str, reason: str, event: EventWait | None = None) -> "Outcome":
        """Stay at the node until `until` (then leave through `port`), or until `event` comes."""
        return cls(reason=reason, wait_until=until, due_port=port, wait_for=event)

    @classmethod
    def jump(cls, node_id: str, reason: str) -> "Outcome":
        return cls(reason=reason, jump_to=node_id)

    @classmethod
    def leave(cls, reason: str) -> "Outcome":
        return cls(reason=reason, exit=True)

    @property
    def is_wait(self) -> bool:
        return self.wait_until is not None or self.wait_for is not None


@dataclass(frozen=True)
class ExperimentOverride:
    """Routing set on a live experiment's page, which overrides the published split config."""

    winner: str
    weights: dict | None


@dataclass
class CustomerView:
    id: int
    external_id: str | None
    email: str
    phone: str
    timezone: str
    attributes: dict
    consent: dict


@dataclass
class NodeContext:
    """Everything a node may look at. `event_count` reads the customer's event history."""

    node_id: str
    config: dict
    now: datetime
    journey_id: int
    enrollment_id: int
    entered_at: datetime
    customer: CustomerView
    context: dict  # the enrollment's context: "trigger" (event), "api" (payload), ...
    visit: int  # 1 the first time this enrollment reaches this node
    event_count: Callable[..., int]
    default_timezone: str = "UTC"

    # An experiment's declared winner or bandit weights for this node, loaded by the engine once
    # per batch; set only for kinds that declare `routed_by_experiment`.
    experiment_override: ExperimentOverride | None = None

    # The customer's send-time profile (journeys.send_time.profile.SendTimeView), read from the
    # database only when a node calls it (a wait in best_time mode); None when nothing is learnt.
    send_time: Callable[[], object | None] = lambda: None

    @property
    def trigger(self) -> dict:
        return self.context.get("trigger", {})


# --- What a trigger declares about how customers enter there.


@dataclass(frozen=True)
class EntryEvent:
    """Customers who do `event` (with properties matching `filters`) enter at the trigger."""

    event: str
    filters: list = field(default_factory=list)


AUDIENCE_MODES = ("at_publish", "on_change", "schedule")


@dataclass(frozen=True)
class AudienceEntry:
    """Customers who match `condition` enter: at publish, also whenever they come to match, or on a schedule."""

    condition: dict
    mode: str  # one of AUDIENCE_MODES

    @property
    def enters_at_publish(self) -> bool:
        return self.mode in ("at_publish", "on_change")

    @property
    def enters_on_change(self) -> bool:
        return self.mode == "on_change"


class NodeType:
    """Base class of every node kind. Subclasses live one per module in journeys/nodes/."""

    kind: ClassVar[str]
    label: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str] = ""
    ports: ClassVar[tuple[str, ...]] = ("next",)
    # Ports that must be connected for the journey to publish (others exit when unconnected).
    required_ports: ClassVar[tuple[str, ...]] = ()
    # True when customers stay at this node for a while, so a loop through it is paced.
    waits: ClassVar[bool] = False
    # A list field of the config whose entries' `key` each name a port (a condition's branches, a
    # split's variants); those ports come before the fixed `ports`. None: the ports are fixed.
    port_field: ClassVar[str | None] = None
    # A config field naming a node of the graph to continue at (a jump's target): the validator
    # checks it exists and follows it like an edge for loops and reachability.
    jump_target_field: ClassVar[str | None] = None
    # True when an experiment can change where this node sends customers without a new version
    # (a split's winner or bandit weights): the engine then fills `NodeContext.experiment_override`.
    routed_by_experiment: ClassVar[bool] = False
    Config: ClassVar[type[serializers.Serializer]]

    @property
    def dynamic_ports(self) -> bool:
        """Do this kind's ports depend on its config?"""
        return self.port_field is not None or type(self).output_ports is not NodeType.output_ports

    def output_ports(self, config: dict) -> list[str]:
        """The ports of a node with this config: the `port_field` entries' keys, then the fixed ports."""
        if self.port_field is None:
            return list(self.ports)
        entries = config.get(self.port_field) if isinstance(config, dict) else None
        keys = [
            entry["key"] for entry in entries or [] if isinstance(entry, dict) and isinstance(entry.get("key"), str)
        ]
        return keys + list(self.ports)

    def jump_target(self, config: dict) -> str | None:
        """The node id a node with this (valid) config continues at instead of following an edge."""
        return config.get(self.jump_target_field) if self.jump_target_field else None

    def required_output_ports(self, config: dict) -> list[str]:
        return list(self.required_ports)

    def run(self, ctx: NodeContext) -> Outcome:
        raise NotImplementedError

    def clean_config(self, config) -> tuple[dict, dict]:
        """(validated config, field errors). Field errors map a field name to messages."""
        serializer = self.Config(data=config if isinstance(config, dict) else {})
        if serializer.is_valid():
            return serializer.validated_data, {}
        return {}, serializer.errors

    def extra_checks(self, config: dict, graph_node_ids: set[str]) -> list[tuple[str, str]]:
        """Graph-level checks on a valid config, as (field, message) errors. E.g. a jump's target."""
        return []

    def describe(self, config: dict) -> str:
        """What a node with this (valid) config does, in a few words: the title the canvas shows.

        E.g. "Wait up to 1 h for Order Completed". Kinds override it; the default is the label.
        """
        return self.label

    def title(self, config) -> str:
        """The canvas title of a node with `config` as stored: described when the config is valid,
        the kind's label while it is not (the node is then flagged invalid anyway)."""
        cleaned, errors = self.clean_config(config)
        if errors:
            return self.label
        return shorten(self.describe(cleaned))


class TriggerNode(NodeType):
    """A node where customers enter. It declares how, and the engine, publish and the API ask it:
    `entry_events` for the event pass, `audience` for audience entry, `next_run_at` for scheduled
    runs and `enters_through_api` for POST /api/journeys/<id>/enroll."""

    category = "trigger"
    required_ports = ("next",)
    enters_through_api: ClassVar[bool] = False

    def entry_events(self, config: dict) -> list[EntryEvent]:
        """The events that enter customers here (the engine indexes live journeys by their names)."""
        return []

    def audience(self, config: dict) -> AudienceEntry | None:
        """The audience whose members enter here, and when; None when no audience enters here."""
        return None

    def next_run_at(self, config: dict, after: datetime) -> datetime | None:
        """When a scheduled entry next runs strictly after `after`; None when this trigger has no schedule."""
        return None

    def run(self, ctx: NodeContext) -> Outcome:
        return Outcome.go("next", self.entry_reason(ctx))

    def entry_reason(self, ctx: NodeContext) -> str:
        return f"entered by {self.label.lower()}"
