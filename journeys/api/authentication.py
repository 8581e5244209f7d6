"""API tokens: django-rest-knox checks them against stored SHA-512 digests, never stored keys."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check, with a header that is not UTF-8 refused like any wrong token.

    knox decodes the header itself and would fail with a 500 on such bytes; DRF's own token class
    answers 401 there, and so does this one.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


class ApiTokenScheme(KnoxTokenScheme):
    """The token's place in the OpenAPI schema (drf-spectacular matches the exact class only)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"
