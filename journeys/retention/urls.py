from django.urls import path

from journeys.retention import views

app_name = "retention"
urlpatterns = [path("", views.retention_page, name="status")]
