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
from journeys.models.predictions import Prediction, PredictionScore, PredictionTraining

__all__ = [
    "AnonymousId",
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
    "JourneyVersion",
    "MessageTemplate",
    "NodeStat",
    "NodeStatTotal",
    "Prediction",
    "PredictionScore",
    "PredictionTraining",
    "Source",
    "SplitAssignment",
    "Step",
    "Suppression",
]
