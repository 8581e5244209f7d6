"""Public delivery endpoints: unsubscribe pages, tracking links, the in-app API, provider callbacks.

None of these has a logged-in user. Each authenticates its caller another way: a signed
token in the link (unsubscribe, tracking), the source's write key and the customer's id
(in-app, optionally with an HMAC of the id), or the provider's shared secret (callbacks).
"""

import base64
import functools
import hashlib
import hmac
import logging
from datetime import UTC

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from journeys.delivery import channels, services, tokens
from journeys.ingest.auth import basic_auth_username, source_id_for_write_key
from journeys.models import AnonymousId, Customer, Delivery, InAppMessage, Suppression

logger = logging.getLogger("journeys.delivery")

MAX_CALLBACK_BYTES = 256 * 1024
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


# --- Unsubscribe: /u/<token>/


@csrf_exempt  # mail clients POST the one-click form without cookies; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str):
    delivery_id = tokens.delivery_from_unsubscribe_token(token)
    delivery = Delivery.objects.select_related("customer").filter(id=delivery_id).first() if delivery_id else None
    if delivery is None:
        return render(request, "delivery/unsubscribe.html", {"invalid": True}, status=404)
    channel = channels.label(delivery.channel).lower()
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        scope = Suppression.Scope.ALL if request.POST.get("scope") == "all" else Suppression.Scope.MARKETING
        reason = "one-click unsubscribe (RFC 8058)" if one_click else "unsubscribe page"
        services.delivery_unsubscribe(delivery=delivery, scope=scope, reason=reason)
        if one_click:
            return HttpResponse("unsubscribed\n", content_type="text/plain")
        return render(request, "delivery/unsubscribe.html", {"done": True, "channel": channel, "scope": scope})
    return render(
        request,
        "delivery/unsubscribe.html",
        {"channel": channel, "address": _masked(delivery.recipient), "token": token},
    )


def _masked(address: str) -> str:
    """j***@example.com: enough for the reader to recognise their address, not enough to harvest it."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"***{address[-4:]}" if address else ""


# --- Tracking: /u/o/<token>.gif and /u/c/<token>/


@require_GET
def track_open(request: HttpRequest, token: str):
    found = tokens.from_tracking_token(token)
    if found:
        services.delivery_callback(delivery_id=found[0], kind="opened")
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def track_click(request: HttpRequest, token: str):
    found = tokens.from_tracking_token(token)
    if not found or not found[1].lower().startswith(("http://", "https://")):
        return HttpResponseBadRequest("This link is not valid.")
    delivery_id, url = found
    services.delivery_callback(delivery_id=delivery_id, kind="clicked", url=url)
    # Only URLs this server signed get here, so this is no open redirect.
    return HttpResponseRedirect(url)


# --- In-app messages: /v1/in-app/messages


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return response


# PostgreSQL text cannot hold NUL; such input is refused rather than failing the query.
NUL = "\x00"


def _in_app_error(status: int, message: str) -> JsonResponse:
    return _cors(JsonResponse({"success": False, "error": message}, status=status))


def _in_app_customer(request: HttpRequest, params) -> Customer | JsonResponse:
    write_key = basic_auth_username(request.headers.get("Authorization", "")) or params.get("writeKey")
    if not write_key or source_id_for_write_key(str(write_key)) is None:
        return _in_app_error(401, "a valid write key is required (HTTP Basic username)")
    user_id, anonymous_id = params.get("userId"), params.get("anonymousId")
    if not (user_id or anonymous_id):
        return _in_app_error(400, "userId or anonymousId is required")
    identity = str(user_id or anonymous_id)[:255]
    if NUL in identity:
        return _in_app_error(400, "userId and anonymousId cannot contain NUL characters")
    if settings.IN_APP_IDENTITY_SECRET:
        # Write keys are public: with a secret set, the app must also prove who the user is.
        expected = hmac.new(settings.IN_APP_IDENTITY_SECRET.encode(), identity.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), str(params.get("userHash") or "").encode()):
            return _in_app_error(401, "userHash does not match this user")
    if user_id:
        customer = Customer.objects.filter(external_id=identity).first()
    else:
        link = AnonymousId.objects.filter(anonymous_id=identity).select_related("customer").first()
        customer = link.customer if link else None
    if customer is None:
        return _in_app_error(404, "no such customer")
    return customer


def _in_app_json(message: InAppMessage) -> dict:
    return {
        "id": message.id,
        "title": message.title,
        "body": message.body,
        "url": message.url or None,
        "created_at": message.created_at.isoformat(),
        "read": message.read_at is not None,
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


def _in_app_params(request: HttpRequest) -> dict | JsonResponse:
    """The query string, and for a POST its JSON or form body on top."""
    params = request.GET.dict()
    if request.method != "POST":
        return params
    if len(request.body) > 16 * 1024:
        return _in_app_error(400, "body too large")
    if request.content_type == "application/json" and request.body:
        try:
            body = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return _in_app_error(400, "body is not JSON")
        if not isinstance(body, dict):
            return _in_app_error(400, "body must be a JSON object")
    else:
        body = request.POST.dict()
    return {**params, **body}


def _in_app_view(view):
    """The in-app endpoints' shared prelude: answer the CORS preflight, then find the customer the app names."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204))
        params = _in_app_params(request)
        if isinstance(params, JsonResponse):
            return params
        customer = _in_app_customer(request, params)
        if isinstance(customer, JsonResponse):
            return customer
        return view(request, customer, *args, **kwargs)

    return wrapper


@csrf_exempt  # called by apps with a write key, not by a browser session
@require_http_methods(["GET", "OPTIONS"])
@_in_app_view
def in_app_messages(request: HttpRequest, customer: Customer):
    messages = InAppMessage.objects.filter(customer=customer, dismissed_at__isnull=True)
    if request.GET.get("unread") in ("1", "true"):
        messages = messages.filter(read_at__isnull=True)
    items = [_in_app_json(message) for message in messages.order_by("-id")[:50]]
    unread = InAppMessage.objects.filter(customer=customer, dismissed_at__isnull=True, read_at__isnull=True).count()
    return _cors(JsonResponse({"success": True, "unread": unread, "messages": items}))


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
@_in_app_view
def in_app_mark(request: HttpRequest, customer: Customer, message_id: int, action: str):
    message = InAppMessage.objects.filter(id=message_id, customer=customer).first()
    if message is None:
        return _in_app_error(404, "no such message for this customer")
    services.in_app_mark(message=message, read=action == "read", dismissed=action == "dismiss")
    return _cors(JsonResponse({"success": True, "message": _in_app_json(message)}))


# --- Provider callbacks: shared by the channels' callback views (/v1/callbacks/<channel>/, in each channel's module)


def bearer_ok(request: HttpRequest) -> bool:
    token = settings.DELIVERY_CALLBACK_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def apply_callback(event, *, channel: str) -> str:
    if not isinstance(event, dict):
        return "not an object"
    kind = str(event.get("event") or "").lower()
    if kind not in services.CALLBACK_KINDS:
        return f"unknown event {kind!r}"
    if NUL in str(event.get("message_id") or ""):
        return "no such delivery"
    deliveries = Delivery.objects.filter(channel=channel)
    if event.get("delivery_id") is not None:
        deliveries = deliveries.filter(id=_int(event["delivery_id"]))
    else:
        message_id = str(event.get("message_id") or "")[:255]
        deliveries = deliveries.filter(provider_message_id=message_id).exclude(provider_message_id="")
    delivery_id = deliveries.values_list("id", flat=True).first()
    if delivery_id is None:
        return "no such delivery"
    at = parse_datetime(str(event.get("timestamp") or "")) or timezone.now()
    if timezone.is_naive(at):
        at = at.replace(tzinfo=UTC)
    services.delivery_callback(
        delivery_id=delivery_id,
        kind=kind,
        at=at,
        url=str(event.get("url") or "")[:2000],
        bounce_type=str(event.get("bounce_type") or "hard"),
        error=str(event.get("reason") or "")[:500],
    )
    return "ok"


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
