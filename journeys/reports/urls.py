from django.urls import path

from journeys.reports import views

app_name = "reports"

experiment = "journeys/<int:journey_id>/experiments/<str:node_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("journeys/<int:journey_id>/", views.journey_page, name="journey"),
    path(experiment, views.experiment_page, name="experiment"),
    path(experiment + "decide/", views.experiment_decide, name="experiment-decide"),
    path(experiment + "settings/", views.experiment_settings, name="experiment-settings"),
    path(experiment + "metrics/", views.experiment_metric_add, name="experiment-metric-add"),
    path(
        experiment + "metrics/<int:metric_id>/delete/", views.experiment_metric_remove, name="experiment-metric-remove"
    ),
]
