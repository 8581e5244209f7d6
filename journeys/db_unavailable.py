"""One answer, in JSON and at once, for requests that meet a database they cannot use.

While PostgreSQL is down, restarting or out of free pooled connections, a request would
otherwise wait the pool's whole timeout and then end in Django's HTML 500 page. Clients are
told to come back instead: event senders (/v1/*, Segment SDKs retry on 429 and never on other
4xx) get `429`, the journey API (/api/) gets `503`, both with `Retry-After`.

Two parts, both in DatabaseUnavailableMiddleware:
- before the view, a connection is taken from the pool with a short wait
  (FAST_FAIL_SECONDS) instead of the pool's own timeout, which is sized for bursts of
  work, not for finding out that the server is gone;
- an exception from the view that says the database cannot be used (OperationalError,
  InterfaceError, a pool timeout, a refused connection; Django's wrappers or psycopg's
  own, anywhere in the cause chain) becomes that answer.

Pooled connections a restart broke are weeded out by the pool's check (CONN_HEALTH_CHECKS
in settings) and, after a failed wait, all at once (pool.check()), so a restart costs about
one retry per process and never a server error (bench/db_outage.py measures it).
"""

import contextlib

import django.db
import psycopg
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse

# Long enough for a free connection to come back under load, short enough to answer an SDK
# (or a marketer) well before the pool's own timeout when no connection can be had.
FAST_FAIL_SECONDS = 1.0

MESSAGE = "the database is unavailable; retry later"

_UNAVAILABLE = (
    django.db.OperationalError,
    django.db.InterfaceError,
    # psycopg_pool's PoolTimeout and TooManyRequests are OperationalErrors too.
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, says the database cannot be used now."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, _UNAVAILABLE):
            return True
        seen.add(id(error))
        # Follow what a traceback would show: the cause, else the context unless `from None`.
        suppressed = error.__cause__ is None and error.__suppress_context__
        error = None if suppressed else error.__cause__ or error.__context__
    return False


def unavailable_response(path: str) -> JsonResponse | None:
    """The answer for a request to `path` while the database is unavailable; None off the APIs."""
    retry_after = str(settings.INGEST_RETRY_AFTER_SECONDS)
    if path.startswith("/v1/"):
        # The ingestion endpoints' own error shape, with its CORS headers, so browser SDKs can
        # read it (a function of journeys.ingest.views, which owns the /v1 answer).
        from journeys.ingest.views import _error

        return _error(429, MESSAGE)
    if path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
        response["Retry-After"] = retry_after
        return response
    return None


def _covered(path: str) -> bool:
    return path.startswith(("/v1/", "/api/"))


def _connection_ready_quickly() -> bool:
    """Whether the default database's pool hands out a working connection within
    FAST_FAIL_SECONDS. The connection goes straight back, for Django to take it in the view."""
    connection = connections["default"]
    pool = getattr(connection, "pool", None)
    if pool is None or connection.connection is not None:
        return True  # no pool (a worker, or DATABASE_POOL off): Django connects by itself
    try:
        pool.open()
        pooled = pool.getconn(timeout=FAST_FAIL_SECONDS)
    except psycopg.Error:
        # After a restart every idle connection is broken, and the pool finds that out one
        # per request (one check, then a back-off longer than our wait). Check them all now,
        # so replacements are being made for the next requests.
        with contextlib.suppress(psycopg.Error):
            pool.check()
        return False
    pool.putconn(pooled)
    return True


class DatabaseUnavailableMiddleware:
    """Answers /v1/* with 429 and /api/* with 503, JSON with Retry-After, while the database is unavailable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if _covered(request.path) and not _connection_ready_quickly():
            return unavailable_response(request.path)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _covered(request.path) or not is_database_unavailable(exception):
            return None
        return unavailable_response(request.path)
