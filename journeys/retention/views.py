"""The Admins' retention page: how big each partitioned table is, what it keeps and what goes next."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from journeys.retention.status import retention_status
from journeys.roles import ADMINS, user_roles


@login_required
@require_safe
def retention_page(request):
    if ADMINS not in user_roles(request.user):
        raise PermissionDenied("Data retention is for Admins.")
    tables = retention_status()
    return render(
        request,
        "retention/status.html",
        {
            "tables": tables,
            "now": timezone.now(),
            "total_bytes": sum(table.bytes for table in tables),
            "dedupe_days": settings.EVENT_DEDUPE_DAYS,
            "ahead_months": settings.PARTITIONS_AHEAD_MONTHS,
        },
    )
