"""SMS: to the profile's phone number; Twilio-style status callbacks and STOP/START replies."""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from journeys.delivery import content, services
from journeys.delivery.channels import register
from journeys.delivery.channels.base import Channel, require
from journeys.delivery.rendering import render_string
from journeys.delivery.views import MAX_CALLBACK_BYTES, NUL, apply_callback, bearer_ok
from journeys.models import Customer, Suppression

PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,32}$")
# Twilio's MessageStatus values worth recording; queued, sending and sent say nothing new.
SMS_STATUSES = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}


@register
class Sms(Channel):
    name, label = "sms", "SMS"
    address_kind = "phone number"
    inline_fields = ("body",)
    template_fields = ("body",)
    sample_template = {"body": "Hi {{ customer.first_name|default:'there' }}, order {{ event.properties.order_id }}"}
    default_provider = "journeys.delivery.providers.ConsoleSmsProvider"

    def recipient(self, customer: dict, payload: dict) -> str:
        return customer.get("phone") or ""

    def content_source(self, config: dict, template) -> dict:
        return {"body": template.body if template is not None else config.get("body", "")}

    def render_parts(self, source: dict, context: dict, *, unsubscribe_url: str = "") -> dict:
        body = render_string(source["body"], context).strip()
        require(bool(body), "the text message is empty")
        return {"body": body[:1600]}

    def outgoing(self, *, delivery_id: int, parts: dict, source: dict, config: dict, unsubscribe_url: str):
        if settings.DELIVERY_CALLBACK_TOKEN:
            config = {**config, "status_callback": content.public_url("/v1/callbacks/sms/")}
        return parts, {}, config

    def check_address(self, to: str) -> None:
        if not PHONE.match(to):
            raise ValueError("not a phone number")

    def urls(self) -> list:
        return [
            path("callbacks/sms/", sms_callback, name="callback-sms"),
            path("callbacks/sms/inbound/", sms_inbound, name="callback-sms-inbound"),
        ]


STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
START_WORDS = {"start", "unstop", "yes"}
REPLIED_STOP = "replied STOP by SMS"


def reply_record(*, phone: str, body: str) -> int:
    """An inbound text: STOP (and its synonyms) opts the number out of every SMS, START lifts that.

    Returns how many profiles with that number changed.
    """
    word = body.strip().lower()
    customers = list(Customer.objects.filter(phone=phone)) if phone else []
    changed = 0
    for customer in customers:
        if word in STOP_WORDS:
            with transaction.atomic():
                changed += services.opt_out(customer, Sms.name, Suppression.Scope.ALL, REPLIED_STOP, source="provider")
        elif word in START_WORDS:
            # Only the opt-out the customer made by text is lifted; marketing consent stays as it is.
            deleted, _ = Suppression.objects.filter(customer=customer, channel=Sms.name, reason=REPLIED_STOP).delete()
            changed += bool(deleted)
    return changed


def twilio_signature(url: str, params: dict, auth_token: str) -> str:
    """Twilio's scheme: base64(HMAC-SHA1(token, url + each POST key and value, keys sorted))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _sms_params(request: HttpRequest) -> dict | HttpResponse:
    """The form fields of a size-checked request signed Twilio's way (or with the callback bearer token)."""
    if len(request.body) > MAX_CALLBACK_BYTES:
        return HttpResponse(status=413)
    params = request.POST.dict()
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.PUBLIC_URL.rstrip("/") + request.get_full_path()
    signed = bool(settings.SMS_AUTH_TOKEN) and hmac.compare_digest(
        twilio_signature(url, params, settings.SMS_AUTH_TOKEN).encode(), signature.encode()
    )
    if not (signed or bearer_ok(request)):
        return HttpResponse("unauthorized", status=401)
    return params


@csrf_exempt
@require_POST
def sms_callback(request: HttpRequest):
    """Twilio-style status callbacks: form fields MessageSid and MessageStatus, signed with the auth token."""
    params = _sms_params(request)
    if isinstance(params, HttpResponse):
        return params
    kind = SMS_STATUSES.get(params.get("MessageStatus", ""))
    if kind is None:
        return HttpResponse(status=204)  # queued, sending, sent: nothing to record
    result = apply_callback(
        {"message_id": params.get("MessageSid"), "event": kind, "reason": params.get("ErrorCode", "")},
        channel=Sms.name,
    )
    return HttpResponse(status=204 if result == "ok" else 404)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest):
    """Texts customers send back (Twilio-style From and Body): STOP opts out, START opts back in."""
    params = _sms_params(request)
    if isinstance(params, HttpResponse):
        return params
    if NUL in params.get("From", "") + params.get("Body", ""):
        return HttpResponse("NUL characters are not allowed", status=400)
    reply_record(phone=params.get("From", "")[:32], body=params.get("Body", "")[:1600])
    return HttpResponse(status=204)
