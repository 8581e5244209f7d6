"""Where outside input enters: JSON and URLs are refused here when they hold what cannot be stored.

PostgreSQL text and jsonb cannot hold a NUL character, UTF-8 cannot encode a lone surrogate,
JSON has no infinity, and Python's own JSON encoder and our recursive graph code give up long
before PostgreSQL does on deep nesting. Each of those used to surface as a 500 from whichever
query or serializer met it first. Every entry point (DRF's parser, the admin's JSON fields,
journey import, /v1 ingestion, query strings and paths) goes through the checks below instead,
so the client gets one 400 that names the problem and where it is.
"""

import math
from datetime import UTC, datetime

import orjson
from django import forms
from django.http import HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any journey graph (condition groups nest at most five deep) or any sane event
# property; far below the recursion limit of the code that walks stored values.
MAX_DEPTH = 64
NUL = "\x00"


def utc_moment(value: datetime | None) -> datetime | None:
    """A parsed date-time in UTC (naive ones are taken as UTC); None when it is not a moment PostgreSQL holds.

    Python allows UTC offsets up to 23:59 and years 1 to 9999 in any offset; PostgreSQL allows
    offsets up to 15:59, and a year-1 time east of UTC has no UTC equivalent. Converting to UTC
    here turns both into a clear "not a date-time" instead of an error from the query.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


class InputError(ValueError):
    """A value that cannot be accepted; `where` locates it (a JSON path, or a line and column)."""

    def __init__(self, problem: str, where: str = ""):
        super().__init__(f"{problem} (at {where})" if where else problem)
        self.problem = problem
        self.where = where


def _string_problem(text: str) -> str | None:
    if NUL in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (an unpaired \\ud800-\\udfff), which is not valid Unicode"
    return None


def _path(where: str, trail) -> str:
    """`where` followed by the keys and indexes of `trail`, a linked (parent, step) chain."""
    steps = []
    while trail is not None:
        trail, step = trail
        steps.append(step)
    parts = [where]
    for step in reversed(steps):
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif step.isidentifier():
            parts.append(f".{step}")
        else:
            parts.append(f"[{orjson.dumps(step).decode()}]")
    return "".join(parts)


def check_value(value, where: str = "$") -> None:
    """Raise InputError for the first NUL, lone surrogate, non-finite number or excessive depth.

    Walks with an explicit stack, so a value nested far too deep is reported, not a RecursionError.
    The way to each item is kept as a linked chain and only spelled out for the error.
    """
    stack = [(value, None, 0)]
    while stack:
        item, trail, depth = stack.pop()
        if isinstance(item, str):
            if problem := _string_problem(item):
                raise InputError(f"a string {problem}", _path(where, trail))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InputError("numbers must be finite (no NaN or infinity)", _path(where, trail))
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise InputError(f"nested more than {MAX_DEPTH} levels deep", _path(where, trail))
            if isinstance(item, dict):
                for key, child in item.items():
                    key = str(key)  # JSON's keys are strings; only Python callers build others
                    if problem := _string_problem(key):
                        raise InputError(f"a key {problem}", _path(where, trail))
                    stack.append((child, (trail, key), depth + 1))
            else:
                stack.extend((child, (trail, index), depth + 1) for index, child in enumerate(item))


def check_parsed(value, text: bytes) -> None:
    """check_value for a value orjson parsed from `text` (or encoded to it), skipped when the text rules problems out.

    orjson already refuses lone surrogates and non-finite numbers, and refuses a raw NUL byte
    inside a string; so only an escaped NUL or nesting deeper than the number of brackets can
    remain. Ingestion calls this for every message: most never pay for the walk.
    """
    if b"\\u0000" in text or text.count(b"[") + text.count(b"{") > MAX_DEPTH:
        check_value(value)


def parse(text: bytes | str):
    """Parse JSON text without the storage checks, for callers that check parts separately (ingestion)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg}", f"line {error.lineno} column {error.colno}") from None


def loads(text: bytes | str):
    """Parse JSON text and check it; InputError names what is wrong and where."""
    value = parse(text)
    check_parsed(value, text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    return value


def url_problem(path: str, query: dict[str, list[str]]) -> str | None:
    """What makes a request's path or query parameters unusable, or None."""
    if problem := _string_problem(path):
        return f"the URL path {problem}"
    for name, values in query.items():
        if problem := _string_problem(name):
            return f"a query parameter name {problem}"
        for value in values:
            if problem := _string_problem(value):
                return f"query parameter {name!r} {problem}"
    return None


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, through loads(): bad input is a 400 ParseError, never a 500 later."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except InputError as error:
            raise ParseError(f"JSON body: {error}") from None


class StrictJSONFormField(forms.JSONField):
    """Django's form JSONField, parsed and checked by loads(), for the admin."""

    def to_python(self, value):
        # Only text from the browser is parsed here; the rest (empty, already parsed) is Django's.
        if self.disabled or not isinstance(value, str) or isinstance(value, forms.fields.JSONString):
            return super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            converted = loads(value)
        except InputError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        return forms.fields.JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        # Django's version re-parses with json.loads, which raises RecursionError on deep input.
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return loads(data)
        except InputError:
            return forms.fields.InvalidJSONInput(data)


class RejectUnusableURLMiddleware(MiddlewareMixin):
    """Answer 400 when the path or a query parameter holds a NUL or a lone surrogate.

    Every view reads query parameters its own way; refusing them here keeps a NUL from
    reaching a database query anywhere (the API, the admin's filters, the pages).
    MiddlewareMixin serves both sync and async requests, so daphne adds no thread hop for it.
    """

    def process_request(self, request):
        if problem := url_problem(request.path, dict(request.GET.lists())):
            return _refusal(request, 400, problem)
        return None


class RequireContentLengthMiddleware(MiddlewareMixin):
    """Answer 411 to a chunked body outside /v1.

    DRF takes a request without Content-Length to have no body, so a chunked PATCH answered
    200 and changed nothing, and a chunked publish would silently drop its options. Browsers
    and the canvas always send the length; /v1 reads chunked bodies itself, within its limits.
    """

    def process_request(self, request):
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH") and not request.path.startswith("/v1/"):
            return _refusal(request, 411, "send the body with a Content-Length: chunked bodies are not read here")
        return None


def _refusal(request, status: int, problem: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": problem}, status=status)
    if request.path.startswith("/v1/"):  # in the shape ingestion answers errors in
        return JsonResponse({"success": False, "error": problem}, status=status)
    return HttpResponse(problem, status=status, content_type="text/plain; charset=utf-8")
