"""The Segment-compatible HTTP endpoints, /v1/*.

Thin: decode and limit the body, authenticate the write key, validate, call the service,
answer in JSON. SDKs retry on 429 and 5xx, drop on other 4xx, so a temporary condition is
always a 429 with Retry-After.
"""

import threading
import zlib

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from psycopg_pool import PoolTimeout

from journeys.ingest.auth import basic_auth_username, source_id_for_write_key
from journeys.ingest.messages import MESSAGE_TYPES, parse_messages
from journeys.ingest.services import events_ingest
from journeys.input import InputError, check_value, parse

_in_flight = threading.BoundedSemaphore(settings.INGEST_MAX_CONCURRENCY)
# Far above what SDKs send (Segment's flush at 20-100 messages); 500 KB of small messages fits.
MAX_BATCH_MESSAGES = 10_000


class BadRequest(Exception):
    pass


def _error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"success": False, "error": message, **extra}, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.INGEST_RETRY_AFTER_SECONDS)
    return _with_cors(response)


def _with_cors(response):
    # Browser SDKs post from the customer's own site; the write key, not the origin, is the
    # credential, so any origin may call.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Content-Encoding"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    return response


def _read_body(request: HttpRequest) -> bytes:
    limit = settings.INGEST_MAX_REQUEST_BYTES
    declared = request.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"request body is larger than {limit // 1024} KB")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BadRequest(f"request body is larger than {limit // 1024} KB")
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        body = _gunzip(body, limit)
    return body


def _gunzip(data: bytes, limit: int) -> bytes:
    """The body of a gzip stream of one or more members (RFC 1952), each checked to its trailer.

    Decompressed with a ceiling, so a small "zip bomb" cannot exhaust memory.
    """
    parts, size = [], 0
    while True:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            part = decompressor.decompress(data, limit + 1 - size)
        except zlib.error:
            raise BadRequest("body is not valid gzip") from None
        size += len(part)
        if size > limit or decompressor.unconsumed_tail:
            raise BadRequest(f"decompressed request body is larger than {limit // 1024} KB")
        if not decompressor.eof:  # the CRC and length that end a member are checked only there
            raise BadRequest("body is not valid gzip: it ends before the gzip trailer")
        parts.append(part)
        data = decompressor.unused_data
        if not data:
            return b"".join(parts)


def _handle(request: HttpRequest, route_type: str | None) -> JsonResponse:
    if request.method == "OPTIONS":
        return _with_cors(JsonResponse({}, status=200))
    if request.method != "POST":
        return _error(405, "use POST")

    header_key = basic_auth_username(request.headers.get("Authorization", ""))
    if header_key is not None and source_id_for_write_key(header_key) is None:
        return _error(401, "invalid write key")
    try:
        payload = parse(_read_body(request))
    except BadRequest as problem:
        return _error(400, str(problem))
    except InputError as problem:  # also NaN, Infinity and lone surrogates
        return _error(400, f"body is {problem}")
    if not isinstance(payload, dict):
        return _error(400, "body must be a JSON object")
    if route_type is None:
        # Messages are checked one by one (parse_message), so one bad message is refused alone;
        # the rest of a batch (writeKey, the shared context, sentAt) is checked here.
        try:
            check_value({key: value for key, value in payload.items() if key != "batch"})
        except InputError as problem:
            return _error(400, f"body: {problem}")

    write_key = header_key or payload.get("writeKey")
    source_id = source_id_for_write_key(write_key) if isinstance(write_key, str) and write_key else None
    if source_id is None:
        return _error(401, "missing or invalid write key: send it as the HTTP Basic username or as writeKey")

    received_at = timezone.now()
    if route_type is None:
        raw_messages = payload.get("batch")
        if not isinstance(raw_messages, list):
            return _error(400, "batch must be a list of messages")
        if len(raw_messages) > MAX_BATCH_MESSAGES:
            # Each refused message gets a line in the answer: 500 KB of "0," would answer 10 MB.
            return _error(400, f"a batch holds at most {MAX_BATCH_MESSAGES:,} messages")
        batch_context = payload.get("context") if isinstance(payload.get("context"), dict) else None
        messages, errors = parse_messages(
            raw_messages,
            received_at=received_at,
            max_message_bytes=settings.INGEST_MAX_MESSAGE_BYTES,
            batch_context=batch_context,
            batch_sent_at=payload.get("sentAt"),
        )
    else:
        messages, errors = parse_messages(
            [payload],
            received_at=received_at,
            max_message_bytes=settings.INGEST_MAX_MESSAGE_BYTES,
            forced_type=route_type,
        )
    rejected = [error.as_dict() for error in errors]
    if not messages:
        return _error(400, rejected[0]["error"] if rejected else "batch is empty", rejected=rejected)

    # Messages dropped for naming a deleted customer are answered as if stored (events_ingest).
    result = events_ingest(source_id=source_id, messages=messages, received_at=received_at)
    return _with_cors(
        JsonResponse(
            {"success": True, "accepted": result.accepted, "duplicates": result.duplicates, "rejected": rejected}
        )
    )


def _endpoint(route_type: str | None):
    @csrf_exempt
    def view(request: HttpRequest) -> JsonResponse:
        if not _in_flight.acquire(blocking=False):
            return _error(429, "too many requests in flight; retry later")
        try:
            return _handle(request, route_type)
        except (PoolTimeout, OperationalError) as error:
            if isinstance(error, PoolTimeout) or isinstance(error.__cause__, PoolTimeout):
                return _error(429, "the database is busy; retry later")
            raise
        finally:
            _in_flight.release()

    view.__name__ = f"ingest_{route_type or 'batch'}"
    return view


batch = _endpoint(None)
single = {message_type: _endpoint(message_type) for message_type in MESSAGE_TYPES}
