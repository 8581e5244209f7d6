from django.contrib.auth import views as auth_views
from django.urls import path

from canvas import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("editor/", views.editor, name="editor"),
    path("journeys/", views.journey_list, name="journey-list"),
    path("journeys/new/", views.journey_new, name="journey-new"),
    path("journeys/<int:journey_id>/duplicate/", views.journey_duplicate, name="journey-duplicate"),
    path("journeys/<int:journey_id>/archive/", views.journey_archive, name="journey-archive"),
    path("journeys/<int:journey_id>/", views.journey_editor, name="journey-editor"),
]
