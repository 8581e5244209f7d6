"""In-app notifications of review requests and decisions, and email to the same people when configured."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from journeys.models import Notification
from journeys.roles import ADMINS, REVIEWERS

MAX_MESSAGE = 500


def reviewers(*, exclude=None):
    """Active Reviewers and Admins (superusers count as Admins)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[REVIEWERS, ADMINS]) | Q(is_superuser=True))
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users.distinct())


def notify(*, recipients, kind: str, message: str, journey=None, review=None) -> list[Notification]:
    """One notification per recipient; an email too when GOVERNANCE_EMAIL (the sender) is set."""
    message = message[:MAX_MESSAGE]
    created = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, message=message, journey=journey, review=review) for user in recipients
    )
    sender = settings.GOVERNANCE_EMAIL
    addresses = sorted({user.email for user in recipients if user.email})
    if sender and addresses:
        # After commit: a rolled-back request must not have mailed anyone.
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Journeys] {message[:120]}",
                message=message,
                from_email=sender,
                recipient_list=addresses,
                fail_silently=True,
            )
        )
    return created


def notifications_for(user, *, unread_only: bool = False):
    queryset = Notification.objects.filter(recipient=user).select_related("journey")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
