"""The Segment-compatible /v1/ endpoints (batch, import and one per message type)."""

from django.urls import path

from journeys.ingest import views

urlpatterns = [
    path("batch", views.batch, name="ingest-batch"),
    path("import", views.batch, name="ingest-import"),  # Segment's older name for batch
    *[path(message_type, view, name=f"ingest-{message_type}") for message_type, view in views.single.items()],
]
