from journeys.models.customers import AnonymousId, Customer, Event, Source
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
    "Journey",
    "JourneyVersion",
    "NodeStat",
    "Source",
    "SplitAssignment",
    "Step",
]
