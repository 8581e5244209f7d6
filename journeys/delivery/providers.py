"""Channel providers: one small interface, one class per way of sending, chosen in settings
(DELIVERY_PROVIDERS) or, for a channel not named there, by the channel's `default_provider`.

`send(message)` returns the provider's message id, or raises TemporaryFailure (worth
retrying later: network errors, timeouts, 429, 5xx) or PermanentFailure (retrying cannot
help: other 4xx, refused addresses, rejected recipients). Every attempt of a delivery carries
the same idempotency key, so a provider that honours it never acts twice.
"""

import base64
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import urlencode, urlsplit

import orjson
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from journeys.delivery import net
from journeys.models import InAppMessage
from journeys.sql import json_text

logger = logging.getLogger("journeys.delivery")


class TemporaryFailure(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    pass


@dataclass
class OutgoingMessage:
    delivery_id: int
    idempotency_key: str
    customer_id: int
    to: str
    parts: dict  # subject/html/text, body, title/url, or json for webhooks
    config: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


class Provider:
    channel: str
    # Sends one worker may run at once through this provider (I/O bound: threads).
    concurrency = 1

    def open(self) -> None:
        """Called before a batch: open connections."""

    def close(self) -> None:
        """Called after a batch."""

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError


class EmailProvider(Provider):
    """Email through Django's email backend (SMTP in production, console by default)."""

    channel = "email"

    def __init__(self):
        self._connection = None

    def open(self):
        self._connection = get_connection(fail_silently=False)
        try:
            self._connection.open()
        except OSError as error:
            self._connection = None
            raise TemporaryFailure(f"cannot reach the mail server: {error}") from None

    def close(self):
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
            self._connection = None

    def send(self, message: OutgoingMessage) -> str:
        parts = message.parts
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        # The same Message-ID on every attempt lets mailbox providers fold a repeat into one.
        message_id = f"<{message.idempotency_key}@{domain}>"
        email = EmailMultiAlternatives(
            subject=parts["subject"],
            body=parts["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id, **message.headers},
            connection=self._connection,
        )
        if parts.get("html"):
            email.attach_alternative(parts["html"], "text/html")
        try:
            email.send(fail_silently=False)
        except Exception as error:  # smtplib's errors, socket errors
            import smtplib

            if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
                raise PermanentFailure(f"refused by the mail server: {error}") from None
            if isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"mail server said {error.smtp_code}: {error.smtp_error!r}") from None
            self.close()  # the next message opens a fresh connection
            raise TemporaryFailure(f"sending failed: {error.__class__.__name__}: {error}") from None
        return message_id


SMS_LOGGED_CHARACTERS = 160  # one SMS segment: what the console provider writes of a text in development


class ConsoleSmsProvider(Provider):
    """Writes text messages to the log: the default when no SMS provider is configured."""

    channel = "sms"

    def send(self, message: OutgoingMessage) -> str:
        body = message.parts["body"]
        # Texts carry one-time codes and reset links: the text is logged only in development, and
        # never to the terminal. The length line says which, so nobody looks for a text that was
        # never written (it used to promise "in the log file" with DEBUG off too).
        if not settings.DEBUG:
            where = "the text is not logged with DEBUG off"
        elif len(body) > SMS_LOGGED_CHARACTERS:
            where = f"its first {SMS_LOGGED_CHARACTERS} characters are in the log file"
        else:
            where = "the text is in the log file"
        logger.info("[console sms] to %s: %d characters (%s)", message.to, len(body), where)
        if settings.DEBUG:
            logger.info("[console sms] to %s: %s", message.to, body[:SMS_LOGGED_CHARACTERS], extra={"terminal": False})
        return f"console-{message.idempotency_key}"


class HttpProvider(Provider):
    """A provider that POSTs over keep-alive connections, one cache per sending thread."""

    def __init__(self):
        self._local = threading.local()
        # Every thread's cache, so close() (called from the worker's thread) reaches them all.
        self._caches: list[net.ConnectionCache] = []

    def _cache(self) -> net.ConnectionCache:
        if not hasattr(self._local, "cache"):
            self._local.cache = net.ConnectionCache()
            self._caches.append(self._local.cache)
        return self._local.cache

    def close(self):
        for cache_ in self._caches:
            cache_.close()
        self._caches.clear()
        self._local = threading.local()


class TwilioSmsProvider(HttpProvider):
    """A Twilio-style HTTP API: form POST to .../Accounts/{sid}/Messages.json with Basic auth."""

    channel = "sms"
    concurrency = 4

    def send(self, message: OutgoingMessage) -> str:
        sid, token = settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN
        if not (sid and token and settings.SMS_FROM):
            raise PermanentFailure("SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM must be set to send SMS")
        base = urlsplit(settings.SMS_API_URL)
        target = net.Target(
            scheme=base.scheme,
            host=base.hostname,
            port=base.port or (443 if base.scheme == "https" else 80),
            path=f"{base.path.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            address=base.hostname,  # the operator's configured provider, not user input
        )
        form = {"To": message.to, "From": settings.SMS_FROM, "Body": message.parts["body"]}
        if callback := message.config.get("status_callback"):
            form["StatusCallback"] = callback
        body = urlencode(form).encode()
        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": message.idempotency_key,
        }
        status, response_headers, data = _post(self._cache(), target, body, headers, settings.SMS_TIMEOUT)
        _raise_for_status(status, response_headers, data)
        try:
            return str(orjson.loads(data)["sid"])[:255]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise PermanentFailure("the SMS provider answered without a message sid") from None


class WebhookProvider(HttpProvider):
    """POST signed JSON to the node's URL (see docs/delivery.md for verifying the signature)."""

    channel = "webhook"
    concurrency = 8

    def send(self, message: OutgoingMessage) -> str:
        if not settings.WEBHOOK_SIGNING_SECRET:
            raise PermanentFailure("WEBHOOK_SIGNING_SECRET is not set: webhooks are never sent unsigned")
        try:
            target = net.resolve_target(message.to)
        except net.RefusedAddress as error:
            raise PermanentFailure(f"refused: {error}") from None
        except ConnectionError as error:
            raise TemporaryFailure(str(error)) from None
        body = json_text(message.parts["json"]).encode()  # also numbers beyond 64 bits, kept by jsonb
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "cjo-webhooks/1",
            "Idempotency-Key": message.idempotency_key,
            "X-CJO-Delivery": str(message.delivery_id),
            "X-CJO-Timestamp": str(timestamp),
            "X-CJO-Signature": net.sign(settings.WEBHOOK_SIGNING_SECRET, timestamp, body),
        }
        status, response_headers, data = _post(self._cache(), target, body, headers, settings.WEBHOOK_TIMEOUT)
        _raise_for_status(status, response_headers, data)
        return response_headers.get("X-Request-Id", "")[:255] or f"http-{status}"


class InAppProvider(Provider):
    """Stores the message in the customer's in-app inbox; the delivery's one-to-one link dedups."""

    channel = "in_app"

    def send(self, message: OutgoingMessage) -> str:
        parts = message.parts
        try:
            with transaction.atomic():
                stored, _ = InAppMessage.objects.get_or_create(
                    delivery_id=message.delivery_id,
                    defaults={
                        "customer_id": message.customer_id,
                        "title": parts["title"][:300],
                        "body": parts["body"][:5000],
                        "url": parts.get("url", "")[:2000],
                        "created_at": timezone.now(),
                    },
                )
        except IntegrityError:  # a second attempt racing the first
            stored = InAppMessage.objects.get(delivery_id=message.delivery_id)
        return f"in-app-{stored.id}"


def _post(cache_: net.ConnectionCache, target, body, headers, timeout) -> tuple[int, dict, bytes]:
    try:
        return cache_.post(target, body, headers, timeout)
    except TimeoutError:
        raise TemporaryFailure(f"no answer from {target.host} within {timeout} s") from None
    except (OSError, ConnectionError) as error:
        raise TemporaryFailure(f"network error talking to {target.host}: {error.__class__.__name__}") from None
    except Exception as error:  # http.client's protocol errors
        raise TemporaryFailure(f"bad answer from {target.host}: {error.__class__.__name__}") from None


def _raise_for_status(status: int, headers: dict, data: bytes) -> None:
    if 200 <= status < 300:
        return
    excerpt = data[:200].decode("utf-8", "replace")
    if status == 429 or status >= 500:
        retry_after = headers.get("Retry-After")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        raise TemporaryFailure(f"HTTP {status}: {excerpt}", retry_after=seconds)
    raise PermanentFailure(f"HTTP {status}: {excerpt}")


def provider_for(channel: str) -> Provider:
    """A new provider for the channel: the class settings.DELIVERY_PROVIDERS names, else the channel's default."""
    from journeys.delivery import channels

    registered = channels.get(channel)
    path = settings.DELIVERY_PROVIDERS.get(channel) or (registered.default_provider if registered else "")
    if not path:
        raise PermanentFailure(f"no provider is configured for channel {channel!r}")
    return import_string(path)()
