from django.urls import path
from rest_framework.routers import DefaultRouter

from journeys.api import customers, test_runs, titles, views
from journeys.api.consent import customer_consent
from journeys.delivery.api import MessageTemplateViewSet
from journeys.monitoring import api as monitoring_api
from journeys.predictions import api as predictions_api
from journeys.privacy.api import PrivacyRequestViewSet
from journeys.reports import api as reports_api

# No format suffixes (`export.json/`): the API speaks JSON only, and DRF would pass a `format`
# argument that no action of ours takes.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("journeys", views.JourneyViewSet, basename="journey")
router.register("templates", MessageTemplateViewSet, basename="template")
router.register("privacy-requests", PrivacyRequestViewSet, basename="privacy-request")

urlpatterns = [
    path("node-types/", views.node_types, name="node-types"),
    path("node-titles/", titles.node_titles, name="node-titles"),
    path("event-names/", views.event_names, name="event-names"),
    path("attributes/", views.attributes, name="attributes"),
    path("customers/", customers.customer_search, name="customer-search"),
    path("customers/<int:customer_id>/", customers.customer_profile, name="customer-profile"),
    path("customers/<int:customer_id>/events/", customers.customer_events, name="customer-events"),
    path("journeys/<int:journey_id>/remove-customers/", customers.journey_remove_customers, name="remove-customers"),
    path("audience-estimate/", customers.audience_estimate, name="audience-estimate"),
    path("customers/<str:external_id>/journeys/", views.customer_history, name="customer-history"),
    path("customers/by-external-id/<str:external_id>/consent/", customer_consent, name="customer-consent"),
    path("journeys/<int:journey_id>/report/", reports_api.journey_report_api, name="journey-report"),
    path("journeys/<int:journey_id>/experiments/", reports_api.experiments_api, name="experiments"),
    path("journeys/<int:journey_id>/experiments/<str:node_id>/", reports_api.experiment_api, name="experiment"),
    path(
        "journeys/<int:journey_id>/experiments/<str:node_id>/decisions/",
        reports_api.experiment_decide_api,
        name="experiment-decisions",
    ),
    path("journeys/<int:journey_id>/test-runs/", test_runs.test_runs, name="journey-test-runs"),
    path("journeys/<int:journey_id>/alerts/", monitoring_api.journey_alerts_api, name="journey-alerts"),
    path("predictions/", predictions_api.prediction_list, name="predictions"),
    *router.urls,
]
