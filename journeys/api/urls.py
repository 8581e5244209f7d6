from django.urls import path
from rest_framework.routers import DefaultRouter

from journeys.api import views

router = DefaultRouter()
router.register("journeys", views.JourneyViewSet, basename="journey")

urlpatterns = [
    path("node-types/", views.node_types, name="node-types"),
    path("event-names/", views.event_names, name="event-names"),
    path("attributes/", views.attributes, name="attributes"),
    path("customers/<str:external_id>/journeys/", views.customer_history, name="customer-history"),
    *router.urls,
]
