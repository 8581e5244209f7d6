from django.urls import path

from journeys.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:alert_id>/", views.alert_detail, name="detail"),
    path("<int:alert_id>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("<int:alert_id>/mute/", views.alert_mute, name="mute"),
]
