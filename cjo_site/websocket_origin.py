"""The Origin check Django's CSRF protection makes for unsafe HTTP requests, for websockets.

A socket rides on the session cookie, so its Origin header is what stops another site's page
from opening one in a signed-in user's browser. Channels' AllowedHostsOriginValidator compares
the host name only: a page served from another port of the same host (any other service there)
passed. Here the Origin must name the host and port the socket was opened on (its Host header,
as Django's CSRF check compares with request.get_host()), or be one of CSRF_TRUSTED_ORIGINS.
"""

import re
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings


def _netloc(origin: str) -> str:
    parts = urlsplit(origin)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    return host if port in (None, default_port) else f"{host}:{port}"


class SameOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not self.allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    @staticmethod
    def allowed(scope) -> bool:
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1").lower()
        if not origin or origin == "null":
            return False
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        # The Host header has no scheme: either default port counts as none.
        host = re.sub(r":(80|443)$", "", host)
        return bool(host) and _netloc(origin) == host
