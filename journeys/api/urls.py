from django.urls import path
from rest_framework.routers import DefaultRouter

from journeys.api import views
from journeys.delivery.api import MessageTemplateViewSet

router = DefaultRouter()
router.register("journeys", views.JourneyViewSet, basename="journey")
router.register("templates", MessageTemplateViewSet, basename="template")

urlpatterns = [
    path("node-types/", views.node_types, name="node-types"),
    path("customers/<str:external_id>/journeys/", views.customer_history, name="customer-history"),
    *router.urls,
]
