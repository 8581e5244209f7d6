"""Error answers: JSON for API callers, Django's pages for everyone else.

Django answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or an unknown URL, before any view or
DRF runs, with a bare HTML page. An API client (the canvas, an integration, an SDK) cannot show
that to anyone, so under /api/ and /v1/ the same errors come as JSON naming the problem.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults

API_PREFIXES = ("/api/", "/v1/")


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def _api_error(request, status: int, detail: str) -> JsonResponse:
    if request.path.startswith("/v1/"):  # the shape Segment's SDKs read (docs/api.md)
        return JsonResponse({"success": False, "error": detail}, status=status)
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        detail = f"the request body is larger than {limit_mb:g} MB, the most this server reads"
    else:
        detail = "bad request"
    return _api_error(request, 400, detail)


def page_not_found(request, exception=None):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _api_error(request, 404, "Not found.")
