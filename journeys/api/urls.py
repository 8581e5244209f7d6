from django.urls import path
from rest_framework.routers import DefaultRouter

from journeys.api import views
from journeys.delivery.api import MessageTemplateViewSet
from journeys.predictions import api as predictions_api
from journeys.reports import api as reports_api

# No format suffixes (`export.json/`): the API speaks JSON only, and DRF would pass a `format`
# argument that no action of ours takes.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("journeys", views.JourneyViewSet, basename="journey")
router.register("templates", MessageTemplateViewSet, basename="template")

urlpatterns = [
    path("node-types/", views.node_types, name="node-types"),
    path("event-names/", views.event_names, name="event-names"),
    path("attributes/", views.attributes, name="attributes"),
    path("customers/<str:external_id>/journeys/", views.customer_history, name="customer-history"),
    path("journeys/<int:journey_id>/report/", reports_api.journey_report_api, name="journey-report"),
    path("journeys/<int:journey_id>/experiments/", reports_api.experiments_api, name="experiments"),
    path("journeys/<int:journey_id>/experiments/<str:node_id>/", reports_api.experiment_api, name="experiment"),
    path(
        "journeys/<int:journey_id>/experiments/<str:node_id>/decisions/",
        reports_api.experiment_decide_api,
        name="experiment-decisions",
    ),
    path("predictions/", predictions_api.prediction_list, name="predictions"),
    path("audience-estimate/", predictions_api.audience_estimate, name="audience-estimate"),
    *router.urls,
]
