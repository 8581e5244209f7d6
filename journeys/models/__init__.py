from journeys.models.customers import AnonymousId, ConsentChange, Customer, Event, EventName, Source
from journeys.models.delivery import ChannelThrottle, Delivery, InAppMessage, MessageTemplate, Suppression
from journeys.models.experiments import (
    BanditAllocation,
    Experiment,
    ExperimentConversion,
    ExperimentDecision,
    ExperimentExposure,
    ExperimentMetric,
)
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
    "BanditAllocation",
    "ChannelThrottle",
    "ConsentChange",
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
    "JourneyVersion",
    "MessageTemplate",
    "NodeStat",
    "NodeStatTotal",
    "Source",
    "SplitAssignment",
    "Step",
    "Suppression",
]
