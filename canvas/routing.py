from django.urls import path

from canvas.consumers import JourneyMetricsConsumer

websocket_urlpatterns = [
    path("ws/journeys/<int:journey_id>/metrics/", JourneyMetricsConsumer.as_asgi()),
]
