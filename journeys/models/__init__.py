from journeys.models.customers import AnonymousId, Customer, Event, EventName, Source
from journeys.models.journeys import (
    Delivery,
    EngineInbox,
    Enrollment,
    Journey,
    JourneyVersion,
    NodeStat,
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
    "Source",
    "SplitAssignment",
    "Step",
]
