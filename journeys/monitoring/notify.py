"""Telling Admins about a new alert: an email to each Admin, and a JSON POST to ALERT_WEBHOOK_URL."""

import json
import logging
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q

from journeys.models import Alert
from journeys.roles import ADMINS

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


def alert_payload(alert: Alert) -> dict:
    return {
        "id": alert.id,
        "series": alert.series_key,
        "direction": alert.direction,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "observed": alert.observed,
        "expected": round(alert.expected, 2),
        "band": [round(alert.lower, 2), round(alert.upper, 2)],
        "journey_id": alert.journey_id,
        "node_id": alert.node_id,
        "url": f"{settings.PUBLIC_URL.rstrip('/')}/monitoring/{alert.id}/",
    }


def alert_notify(*, alert: Alert) -> None:
    """Email every active Admin and post to the webhook; a failure of one does not stop the other."""
    payload = alert_payload(alert)
    admins = (
        get_user_model()
        .objects.filter(Q(groups__name=ADMINS) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    subject = f"Unusual {alert.direction} in {alert.series_key}"[:200]
    body = (
        f"{alert.series_key}: observed {alert.observed:g}, expected {alert.expected:.1f}"
        f" (band {alert.lower:.1f} to {alert.upper:.1f}) from {alert.window_start:%Y-%m-%d %H:00} UTC.\n\n"
        f"{payload['url']}\n"
    )
    recipients = sorted(admins)
    if recipients:
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # mail trouble must not lose the alert or the webhook
            logger.exception("could not email alert %s", alert.id)
    url = settings.ALERT_WEBHOOK_URL
    if url:
        request = urllib.request.Request(
            url,
            data=json.dumps({"alert": payload}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                response.read()
        except Exception:
            logger.exception("could not post alert %s to the webhook", alert.id)
