from django.urls import path

from journeys.predictions import views

app_name = "predictions"

urlpatterns = [
    path("", views.prediction_list, name="list"),
    path("<int:prediction_id>/", views.prediction_detail, name="detail"),
    path("<int:prediction_id>/train/", views.prediction_train, name="train"),
    path("<int:prediction_id>/status/", views.prediction_status, name="status"),
]
