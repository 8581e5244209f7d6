from journeys.models.customers import AnonymousId, Customer, Event, EventName, Source
from journeys.models.delivery import ChannelThrottle, Delivery, InAppMessage, MessageTemplate, Suppression
from journeys.models.experiments import (
    BanditAllocation,
    Experiment,
    ExperimentConversion,
    ExperimentDecision,
    ExperimentExposure,
    ExperimentMetric,
)
from journeys.models.governance import AuditEntry, JourneyReviewPolicy, Notification, ReviewComment, ReviewRequest
from journeys.models.journeys import (
    EngineInbox,
    Enrollment,
    Journey,
    JourneyVersion,
    NodeStat,
    NodeStatTotal,
    SplitAssignment,
    Step,
)

__all__ = [
    "AnonymousId",
    "AuditEntry",
    "BanditAllocation",
    "ChannelThrottle",
    "Customer",
    "Delivery",
    "EngineInbox",
    "Enrollment",
    "Event",
    "EventName",
    "Experiment",
    "ExperimentConversion",
    "ExperimentDecision",
    "ExperimentExposure",
    "ExperimentMetric",
    "InAppMessage",
    "Journey",
    "JourneyReviewPolicy",
    "JourneyVersion",
    "MessageTemplate",
    "NodeStat",
    "NodeStatTotal",
    "Notification",
    "ReviewComment",
    "ReviewRequest",
    "Source",
    "SplitAssignment",
    "Step",
    "Suppression",
]
