"""Sending outbox deliveries. Until real channels exist, every channel is written to the log."""

import logging

from django.db import connection, transaction
from django.utils import timezone

from journeys.engine.state import from_json

logger = logging.getLogger("journeys.delivery")


def deliveries_send(*, limit: int = 500) -> int:
    """Send up to `limit` queued deliveries (oldest first); return how many were handled.

    Rows are claimed with SKIP LOCKED, so several workers can send at once without doubles.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.channel, d.node_id, d.payload, c.external_id, c.email, c.phone"
            " FROM journeys_delivery d JOIN journeys_customer c ON c.id = d.customer_id"
            " WHERE d.status = 'queued' ORDER BY d.created_at LIMIT %s FOR UPDATE OF d SKIP LOCKED",
            [limit],
        )
        rows = cursor.fetchall()
        for delivery_id, channel, node_id, raw_payload, external_id, email, phone in rows:
            payload = from_json(raw_payload)
            recipient = {"email": email, "sms": phone}.get(channel) or external_id or f"delivery {delivery_id}"
            summary = payload.get("subject") or payload.get("title") or payload.get("url") or payload.get("body", "")
            logger.info("[console %s] to %s from node %s: %s", channel, recipient, node_id, str(summary)[:80])
        if rows:
            cursor.execute(
                "UPDATE journeys_delivery SET status = 'sent', attempts = attempts + 1, sent_at = %s"
                " WHERE id = ANY(%s)",
                [now, [row[0] for row in rows]],
            )
    return len(rows)
