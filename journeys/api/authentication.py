from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from journeys.ingest.auth import basic_auth_username, source_id_for_write_key
from journeys.models import Source


class WriteKeyAuthentication(BaseAuthentication):
    """HTTP Basic with a source's write key as the username, as the /v1 endpoints accept."""

    def authenticate(self, request):
        write_key = basic_auth_username(request.headers.get("Authorization", ""))
        if write_key is None:
            return None
        source_id = source_id_for_write_key(write_key)
        if source_id is None:
            raise AuthenticationFailed("invalid write key")
        return AnonymousUser(), Source.objects.get(pk=source_id)

    def authenticate_header(self, request):
        return 'Basic realm="api"'


class WriteKeyScheme(OpenApiAuthenticationExtension):
    """Documents WriteKeyAuthentication in the OpenAPI schema."""

    target_class = WriteKeyAuthentication
    name = "writeKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "A source's write key as the username, with an empty password.",
        }
