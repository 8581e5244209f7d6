from journeys.models.customers import AnonymousId, ConsentChange, Customer, Event, EventName, EventReceipt, Source
from journeys.models.delivery import ChannelThrottle, Delivery, InAppMessage, MessageTemplate, Suppression
from journeys.models.experiments import (
    BanditAllocation,
    Experiment,
    ExperimentConversion,
    ExperimentDecision,
    ExperimentExposure,
    ExperimentMetric,
)
from journeys.models.governance import (
    ApiToken,
    AuditEntry,
    JourneyReviewPolicy,
    Notification,
    ReviewComment,
    ReviewRequest,
    token_key_shown,
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
from journeys.models.monitoring import Alert, MonitoringRun
from journeys.models.predictions import Prediction, PredictionScore, PredictionTraining
from journeys.models.privacy import InstallKey, PrivacyExport, PrivacyRequest, SuppressedIdentity
from journeys.models.profiles import CustomerMerge
from journeys.models.send_time import SendTimePopulation, SendTimeProfile

__all__ = [
    "Alert",
    "AnonymousId",
    "ApiToken",
    "AuditEntry",
    "BanditAllocation",
    "ChannelThrottle",
    "ConsentChange",
    "Customer",
    "CustomerMerge",
    "Delivery",
    "EngineInbox",
    "Enrollment",
    "Event",
    "EventName",
    "EventReceipt",
    "Experiment",
    "ExperimentConversion",
    "ExperimentDecision",
    "ExperimentExposure",
    "ExperimentMetric",
    "InAppMessage",
    "InstallKey",
    "Journey",
    "JourneyReviewPolicy",
    "JourneyVersion",
    "MessageTemplate",
    "MonitoringRun",
    "NodeStat",
    "NodeStatTotal",
    "Notification",
    "Prediction",
    "PredictionScore",
    "PredictionTraining",
    "PrivacyExport",
    "PrivacyRequest",
    "ReviewComment",
    "ReviewRequest",
    "SendTimePopulation",
    "SendTimeProfile",
    "Source",
    "SplitAssignment",
    "Step",
    "SuppressedIdentity",
    "Suppression",
    "token_key_shown",
]
