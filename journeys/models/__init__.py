from journeys.models.customers import AnonymousId, Customer, Event, EventName, Source
from journeys.models.journeys import (
    Delivery,
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
    "Customer",
    "Delivery",
    "EngineInbox",
    "Enrollment",
    "Event",
    "EventName",
    "Journey",
    "JourneyVersion",
    "NodeStat",
    "NodeStatTotal",
    "Source",
    "SplitAssignment",
    "Step",
]
