"""Public delivery URLs; cjo_site.urls includes `public` under /u/ and `v1` under /v1/."""

from django.urls import path

from journeys.delivery import views

public = [
    path("o/<str:token>.gif", views.track_open, name="delivery-open"),
    path("c/<str:token>/", views.track_click, name="delivery-click"),
    path("<str:token>/", views.unsubscribe, name="delivery-unsubscribe"),
]

v1 = [
    path("in-app/messages", views.in_app_messages, name="in-app-messages"),
    path("in-app/messages/<int:message_id>/read", views.in_app_mark, {"action": "read"}, name="in-app-read"),
    path("in-app/messages/<int:message_id>/dismiss", views.in_app_mark, {"action": "dismiss"}, name="in-app-dismiss"),
    path("callbacks/email/", views.email_callback, name="callback-email"),
    path("callbacks/sms/", views.sms_callback, name="callback-sms"),
    path("callbacks/sms/inbound/", views.sms_inbound, name="callback-sms-inbound"),
]
