"""AuditContextMiddleware: every request's changes are recorded with its user, IP and interface."""

from journeys.governance.context import Actor, acting


def interface_for(path: str) -> str:
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith(("/api/", "/v1/")):
        return "api"
    return "web"


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
        # rewrites it, and the deployment sets REMOTE_ADDR from the proxy when it does.
        actor = Actor(
            request=request, interface=interface_for(request.path), ip=request.META.get("REMOTE_ADDR") or None
        )
        with acting(actor):
            return self.get_response(request)
