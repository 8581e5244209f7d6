"""Public delivery URLs; cjo_site.urls includes `public` under /u/ and `v1` under /v1/.

Each channel adds its own /v1/ routes (provider callbacks, the in-app inbox API) from its module.
"""

from django.urls import path

from journeys.delivery import channels, views

public = [
    path("o/<str:token>.gif", views.track_open, name="delivery-open"),
    path("c/<str:token>/", views.track_click, name="delivery-click"),
    path("<str:token>/", views.unsubscribe, name="delivery-unsubscribe"),
]

v1 = [pattern for channel in channels.all_channels() for pattern in channel.urls()]
