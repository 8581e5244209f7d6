"""Running privacy requests: export everything held about a customer, delete and suppress, anonymise.

A request is recorded, then run in the background (`journeys.privacy.tasks`), each kind in one
transaction of set-based statements, so the engine and ingestion go on meanwhile: they wait at
most for the rows of this one customer. Deletion first commits the suppression of the
customer's identifiers, so an event that arrives while the rows are being erased is dropped
instead of bringing the profile back.

Counters (node counts, hourly stats) are aggregates without a customer in them and stay as
they are; so do experiment results after an anonymisation, whose exposures keep their profile
number (now attached to nobody identifiable).
"""

import json
import logging
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from journeys.consent_policy import CONSENT_CHANNELS, UNSUBSCRIBED
from journeys.models import (
    AnonymousId,
    ConsentChange,
    Customer,
    CustomerMerge,
    Delivery,
    Enrollment,
    Event,
    ExperimentExposure,
    InAppMessage,
    PredictionScore,
    PrivacyExport,
    PrivacyRequest,
    SendTimeProfile,
    SplitAssignment,
    Step,
    SuppressedIdentity,
    Suppression,
)
from journeys.privacy import suppression

logger = logging.getLogger(__name__)
EXPORT_KEPT = timedelta(days=7)
Kind = PrivacyRequest.Kind
Status = PrivacyRequest.Status


class PrivacyError(Exception):
    """A request that cannot be made (no such customer)."""


def customer_exists(external_id: str) -> bool:
    return Customer.objects.filter(external_id=external_id).exists()


def privacy_request_create(*, kind: str, external_id: str, requested_by=None, note: str = "") -> PrivacyRequest:
    """Record a request for the customer with this external id; the caller queues its run after commit."""
    customer = Customer.objects.filter(external_id=external_id).only("id").first()
    if customer is None:
        raise PrivacyError("no customer has this id")
    return PrivacyRequest.objects.create(
        kind=kind,
        customer_number=customer.pk,
        subject_hash=suppression.digest(SuppressedIdentity.Kind.USER_ID, external_id),
        requested_by=requested_by,
        note=note,
    )


def privacy_request_run(request_id: int) -> PrivacyRequest:
    """Run a queued request (again, after a failure); its status and counts say how it went."""
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.DONE:
            return request
        request.status, request.started_at, request.error = Status.RUNNING, timezone.now(), ""
        request.save(update_fields=["status", "started_at", "error"])
    try:
        run = {Kind.EXPORT: _export, Kind.DELETE: _delete, Kind.ANONYMISE: _anonymise}[request.kind]
        counts = run(request)
    except Exception as error:
        logger.exception("privacy request %s failed", request_id)
        PrivacyRequest.objects.filter(pk=request_id).update(
            status=Status.FAILED, error=f"{error.__class__.__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
    PrivacyRequest.objects.filter(pk=request_id).update(status=Status.DONE, counts=counts, finished_at=timezone.now())
    request.refresh_from_db()
    return request


def exports_expire(now=None) -> int:
    """Delete export documents past their time; the number deleted."""
    deleted, _ = PrivacyExport.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# --- export


def _iso(value):
    return value.isoformat() if value else None


def customer_document(customer_id: int) -> dict:
    """Everything held about one customer, as plain JSON data."""
    customer = Customer.objects.get(pk=customer_id)
    enrollments = list(Enrollment.objects.filter(customer_id=customer_id).order_by("id"))
    steps: dict[int, list] = {}
    for step in Step.objects.filter(customer_id=customer_id).order_by("id").iterator(chunk_size=5000):
        steps.setdefault(step.enrollment_id, []).append(
            {"at": _iso(step.at), "node": step.node_id, "action": step.action, "port": step.port, "reason": step.reason}
        )
    return {
        "profile": {
            "external_id": customer.external_id,
            "email": customer.email,
            "phone": customer.phone,
            "timezone": customer.timezone,
            "attributes": customer.attributes,
            "consent": customer.consent,
            "created_at": _iso(customer.created_at),
            "updated_at": _iso(customer.updated_at),
        },
        "identities": {
            "external_id": customer.external_id,
            "anonymous_ids": list(
                AnonymousId.objects.filter(customer_id=customer_id).values_list("anonymous_id", flat=True)
            ),
        },
        "events": [
            {
                "type": e.type,
                "name": e.name,
                "properties": e.properties,
                "context": e.context,
                "message_id": e.message_id,
                "timestamp": _iso(e.timestamp),
                "received_at": _iso(e.received_at),
            }
            for e in Event.objects.filter(customer_id=customer_id).order_by("timestamp", "id").iterator(chunk_size=5000)
        ],
        "journeys": [
            {
                "journey_id": e.journey_id,
                "journey": e.journey.name,
                "status": e.status,
                "entered_at": _iso(e.entered_at),
                "exited_at": _iso(e.exited_at),
                "converted_at": _iso(e.converted_at),
                "path": steps.get(e.id, []),
            }
            for e in enrollments
        ],
        "messages": [
            {
                "channel": d.channel,
                "status": d.status,
                "skip_reason": d.skip_reason,
                "recipient": d.recipient,
                "rendered": d.rendered,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
                "opened_at": _iso(d.opened_at),
                "clicked_at": _iso(d.clicked_at),
            }
            for d in Delivery.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "in_app_messages": list(
            InAppMessage.objects.filter(customer_id=customer_id).values("title", "body", "url", "created_at", "read_at")
        ),
        "opt_outs": list(Suppression.objects.filter(customer_id=customer_id).values("channel", "scope", "reason")),
        "consent_history": list(
            ConsentChange.objects.filter(customer_id=customer_id)
            .order_by("id")
            .values("channel", "state", "previous", "source", "detail", "changed_at")
        ),
        "merges": list(
            CustomerMerge.objects.filter(kept_id=customer_id).values(
                "merged_away_external_id", "anonymous_ids", "merged_at"
            )
        ),
        "scores": [
            {"prediction": name, "score": score, "percentile": percentile, "scored_at": scored_at}
            for name, score, percentile, scored_at in PredictionScore.objects.filter(
                customer_id=customer_id
            ).values_list("prediction__name", "score", "percentile", "scored_at")
        ],
        "send_time_profile": list(
            SendTimeProfile.objects.filter(customer_id=customer_id).values("counts", "total", "updated_at")
        ),
        "experiment_exposures": list(
            ExperimentExposure.objects.filter(customer_id=customer_id).values(
                "journey_id", "node_id", "variant", "assigned_at"
            )
        ),
        "split_assignments": list(
            SplitAssignment.objects.filter(customer_id=customer_id).values("journey_id", "node_id", "variant")
        ),
    }


def _export(request: PrivacyRequest) -> dict:
    # Round-trip through Django's JSON encoder, so the dates in .values() rows become text.
    document = json.loads(json.dumps(customer_document(request.customer_number), cls=DjangoJSONEncoder))
    PrivacyExport.objects.update_or_create(
        request=request, defaults={"document": document, "expires_at": timezone.now() + EXPORT_KEPT}
    )
    return {key: len(value) for key, value in document.items() if isinstance(value, list)}


# --- delete and suppress

# Everything that belongs to one customer, child tables first: the database's foreign keys do
# not cascade (Django emulates that), and set-based statements are what keep a delete of a
# customer with 100,000 events well under a second. `tests/privacy` checks that every table
# pointing at a customer is here.
_ERASE = [
    ("experiment_conversions", "DELETE FROM journeys_experimentconversion WHERE exposure_id IN"
     " (SELECT id FROM journeys_experimentexposure WHERE customer_id = %(id)s)"),
    ("experiment_exposures", "DELETE FROM journeys_experimentexposure WHERE customer_id = %(id)s"),
    ("opt_outs", "DELETE FROM journeys_suppression WHERE customer_id = %(id)s"),
    ("in_app_messages", "DELETE FROM journeys_inappmessage WHERE customer_id = %(id)s"),
    ("messages", "DELETE FROM journeys_delivery WHERE customer_id = %(id)s"),
    ("split_assignments", "DELETE FROM journeys_splitassignment WHERE customer_id = %(id)s"),
    ("steps", "DELETE FROM journeys_step WHERE customer_id = %(id)s"),
    ("enrollments", "DELETE FROM journeys_enrollment WHERE customer_id = %(id)s"),
    ("engine_inbox", "DELETE FROM journeys_engineinbox WHERE event_id IN"
     " (SELECT id FROM journeys_event WHERE customer_id = %(id)s)"),
    ("events", "DELETE FROM journeys_event WHERE customer_id = %(id)s"),
    ("anonymous_ids", "DELETE FROM journeys_anonymousid WHERE customer_id = %(id)s"),
    ("consent_changes", "DELETE FROM journeys_consentchange WHERE customer_id = %(id)s"),
    ("merges", "DELETE FROM journeys_customermerge WHERE kept_id = %(id)s"),
    ("scores", "DELETE FROM journeys_predictionscore WHERE customer_id = %(id)s"),
    ("send_time_profile", "DELETE FROM journeys_sendtimeprofile WHERE customer_id = %(id)s"),
    ("profile", "DELETE FROM journeys_customer WHERE id = %(id)s"),
]  # fmt: skip
ERASED_TABLES = {statement.split()[2] for _, statement in _ERASE}


def customer_identities(customer_id: int) -> list[tuple[str, str]]:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return []
    Kind = SuppressedIdentity.Kind
    identities = [
        (Kind.USER_ID, customer.external_id or ""),
        (Kind.EMAIL, customer.email),
        (Kind.PHONE, customer.phone),
    ]
    identities += [
        (Kind.ANONYMOUS_ID, anonymous)
        for anonymous in AnonymousId.objects.filter(customer_id=customer_id).values_list("anonymous_id", flat=True)
    ]
    # A user id folded into this profile by a merge is the same person too.
    identities += [
        (Kind.USER_ID, merged)
        for merged in CustomerMerge.objects.filter(kept_id=customer_id).values_list(
            "merged_away_external_id", flat=True
        )
    ]
    return identities


def customer_erase(customer_id: int) -> dict:
    """Delete every row of one customer in one transaction; rows deleted per kind."""
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Taken first, so an identity merge or a trait update of this customer waits for the delete.
        cursor.execute("SELECT id FROM journeys_customer WHERE id = %s FOR UPDATE", [customer_id])
        # And the customer's enrollments: an engine tick moving one of them finishes (and its
        # steps and deliveries are deleted below) before the delete goes on. Foreign keys did
        # this before the logs were partitioned.
        cursor.execute(
            "SELECT id FROM journeys_enrollment WHERE customer_id = %s ORDER BY id FOR UPDATE", [customer_id]
        )
        for name, statement in _ERASE:
            cursor.execute(statement, {"id": customer_id})
            counts[name] = cursor.rowcount
    return counts


def _delete(request: PrivacyRequest) -> dict:
    with transaction.atomic():
        suppressed = suppression.identities_suppress(
            customer_identities(request.customer_number), request_id=request.pk
        )
    counts = customer_erase(request.customer_number)
    return {**counts, "suppressed_identifiers": suppressed}


# --- anonymise


def consent_cleared() -> dict:
    """What an anonymised profile's consent becomes: unsubscribed everywhere, whatever CONSENT_POLICY says
    about channels never asked."""
    return {channel: UNSUBSCRIBED for channel in CONSENT_CHANNELS}


def _anonymise(request: PrivacyRequest) -> dict:
    customer_id = request.customer_number
    counts = {}
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer_id).first()
        counts["profile"] = Customer.objects.filter(pk=customer_id).update(
            external_id=None, email="", phone="", timezone="", attributes={}, consent=consent_cleared()
        )
        counts["anonymous_ids"], _ = AnonymousId.objects.filter(customer_id=customer_id).delete()
        # Where consent came from (and who changed it) identifies; what merged in names user ids.
        counts["consent_changes"], _ = ConsentChange.objects.filter(customer_id=customer_id).delete()
        counts["merges"], _ = CustomerMerge.objects.filter(kept_id=customer_id).delete()
        counts["send_time_profile"], _ = SendTimeProfile.objects.filter(customer_id=customer_id).delete()
        # Names and times stay, so funnels, goals and experiment conversions still add up.
        counts["events"] = Event.objects.filter(customer_id=customer_id).update(properties={}, context={})
        counts["messages"] = Delivery.objects.filter(customer_id=customer_id).update(
            recipient="", rendered=None, error=""
        )
        counts["in_app_messages"], _ = InAppMessage.objects.filter(customer_id=customer_id).delete()
        counts["opt_outs"], _ = Suppression.objects.filter(customer_id=customer_id).delete()
        # A reason may quote a trait ("city is London"); the path itself stays.
        counts["steps"] = Step.objects.filter(customer_id=customer_id).update(reason="(anonymised)")
        with connection.cursor() as cursor:
            # The trigger event and an API payload carry what the customer sent; visits and
            # variants are the engine's bookkeeping and stay.
            cursor.execute(
                "UPDATE journeys_enrollment SET context = context - 'trigger' - 'api' WHERE customer_id = %s",
                [customer_id],
            )
            counts["enrollments"] = cursor.rowcount
    return counts
