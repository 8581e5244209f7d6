from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from journeys.delivery import urls as delivery_urls
from journeys.governance import urls as governance_urls

urlpatterns = [
    path("v1/", include("journeys.ingest.urls")),
    path("v1/", include(delivery_urls.v1)),
    path("u/", include(delivery_urls.public)),
    path("api/", include("journeys.api.urls")),
    path("api/", include(governance_urls.api_urlpatterns)),
    path("", include(governance_urls.page_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("reports/", include("journeys.reports.urls")),
    path("customers/", include("canvas.customer_urls")),
    path("monitoring/", include("journeys.monitoring.urls")),
    path("retention/", include("journeys.retention.urls")),
    path("predictions/", include("journeys.predictions.urls")),
    path("", include("canvas.urls")),
    # Browsers ask for /favicon.ico on pages that link no icon (the Django admin); a 404 there put
    # an error in the console of every session. Not permanent, so the icon can change.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=False)),
]

handler400 = "cjo_site.errors.bad_request"
handler404 = "cjo_site.errors.page_not_found"
