from django.urls import path

from canvas import customer_views

app_name = "customers"

urlpatterns = [
    path("", customer_views.search, name="search"),
    path("<int:customer_id>/", customer_views.profile, name="profile"),
    path("<int:customer_id>/remove/", customer_views.remove_from_journey, name="remove"),
]
