"""The audit page for Admins (server-rendered, filters) and its CSV and JSON exports."""

import csv
import io
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from journeys.governance import audit, selectors
from journeys.models import AuditEntry
from journeys.roles import ADMINS, user_roles

PER_PAGE = 50


def _admin_only(request) -> None:
    if ADMINS not in user_roles(request.user):
        raise PermissionDenied("The audit log is for Admins.")


@login_required
@require_safe
def audit_page(request):
    _admin_only(request)
    errors = {}
    try:
        filters = selectors.audit_filters(request.GET)
    except selectors.FilterError as error:
        filters, errors = {}, error.errors
    # With a filter that can't be read, no rows at all: the whole log under the error was
    # taken for the filtered result. The form still shows every value as typed.
    entries = AuditEntry.objects.none() if errors else selectors.audit_entries(filters)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit.html",
        {
            "page": page,
            "values": {name: request.GET.get(name, "") for name in selectors.FILTERS},
            "errors": errors,
            "query": query.urlencode(),
            "interfaces": ("web", "api", "admin", "system"),
        },
        status=400 if errors else 200,
    )


@login_required
@require_safe
def audit_export(request, file_format: str):
    _admin_only(request)
    try:
        filters = selectors.audit_filters(request.GET)
    except selectors.FilterError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    entries = selectors.audit_entries(filters)[: selectors.EXPORT_LIMIT]
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if file_format == "json":
        body = json.dumps([selectors.entry_as_dict(e) for e in entries.iterator()], indent=1)
        response = HttpResponse(body, content_type="application/json")
    else:
        # Written whole before answering, like the JSON: under ASGI Django gathers a streamed
        # body into a list anyway, and a query that failed mid-stream left the client waiting
        # for an answer that never started.
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(selectors.EXPORT_FIELDS)
        for entry in entries.iterator():
            item = selectors.entry_as_dict(entry)
            item["diff"] = json.dumps(item["diff"], sort_keys=True)
            # A cell starting with = + - @ is a formula to a spreadsheet; a quote disarms it.
            writer.writerow([_cell(item[name]) for name in selectors.EXPORT_FIELDS])
        response = HttpResponse(body.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{file_format}"'
    # The export itself is something that matters: who took a copy of the log, with which
    # filters. Recorded once the copy is made, so a failed export is not logged as taken.
    audit.record(
        "audit.export",
        object_type="audit",
        diff={"format": file_format, "filters": {k: str(v) for k, v in filters.items()}},
    )
    return response


def _cell(value):
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
