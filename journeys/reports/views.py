"""Report pages: thin views over the report selectors and the experiment services."""

from datetime import UTC, date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from journeys.experiments import services
from journeys.experiments.selectors import experiment_report, split_nodes
from journeys.governance import audit
from journeys.models import Experiment, ExperimentMetric, Journey
from journeys.reports import tables
from journeys.reports.selectors import journey_report
from journeys.roles import can_declare_winners, can_read_journeys


def _readable(request) -> None:
    if not can_read_journeys(request.user):
        raise PermissionDenied("Reports are for Marketers, Reviewers and Admins.")


def _deciding(request) -> None:
    if not can_declare_winners(request.user):
        raise PermissionDenied("Only Reviewers and Admins change experiments.")


def date_range(params) -> tuple[date | None, date | None, datetime | None, datetime | None, list[str]]:
    """`from` and `to` (inclusive days, UTC) from the query string, as dates and as [start, end) datetimes."""
    errors = []
    days = []
    for name in ("from", "to"):
        raw = (params.get(name) or "").strip()[:10]
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            days.append(None)
            errors.append(f"{name}: {raw!r} is not a date (YYYY-MM-DD)")
    first, last = days
    if first and last and last < first:
        errors.append("the range ends before it starts")
        first = last = None
    start = datetime.combine(first, time.min, tzinfo=UTC) if first else None
    # The last day counts whole; on the calendar's last day there is no next day to end at.
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) if last and last < date.max else None
    return first, last, start, end, errors


def _csv_or_404(all_tables: list[tables.Table], name: str, prefix: str, first, last) -> HttpResponse:
    table = next((t for t in all_tables if t.name == name), None)
    if table is None:
        raise Http404("no such table")
    span = f"-{first or 'start'}-to-{last or 'now'}" if first or last else ""
    # Data leaving the app is an audited action (issue 15): which table, which days.
    audit.record(
        "report.export",
        object_type="report",
        object_id=prefix,
        diff={"table": table.name, "first": str(first or ""), "last": str(last or "")},
    )
    response = HttpResponse(tables.table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{prefix}-{table.name}{span}.csv"'
    return response


@login_required
@require_GET
def index(request):
    _readable(request)
    journeys = Journey.objects.exclude(current_version=None).select_related("current_version")[:500]
    rows = [{"journey": j, "splits": split_nodes(j)} for j in journeys]
    return render(request, "reports/index.html", {"rows": rows})


@login_required
@require_GET
def journey_page(request, journey_id: int):
    _readable(request)
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    first, last, start, end, errors = date_range(request.GET)
    report = journey_report(journey, start=start, end=end)
    all_tables = tables.journey_tables(report)
    if request.GET.get("format") == "csv":
        return _csv_or_404(all_tables, request.GET.get("table", ""), f"journey-{journey.pk}", first, last)
    charts = {
        "funnel": [{"label": r["step"], "count": r["count"]} for r in report["funnel"]],
        "conversion": report["conversion_series"],
        "exits": report["exits_by_reason"],
        "flows": report["flows"],
    }
    return render(
        request,
        "reports/journey.html",
        {
            "journey": journey,
            "report": report,
            "tables": {t.name: t for t in all_tables},
            "charts": charts,
            "splits": split_nodes(journey),
            "first": first,
            "last": last,
            "range_errors": errors,
        },
    )


def experiment_or_404(journey_id: int, node_id: str) -> Experiment:
    """The experiment at a split node of a journey (created on first look), for the pages and the API."""
    journey = get_object_or_404(Journey.objects.select_related("current_version"), pk=journey_id)
    try:
        return services.experiment_get_or_create(journey=journey, node_id=node_id)
    except services.ExperimentError as error:
        raise Http404(str(error)) from error


@login_required
@require_GET
def experiment_page(request, journey_id: int, node_id: str):
    _readable(request)
    experiment = experiment_or_404(journey_id, node_id)
    first, last, start, end, errors = date_range(request.GET)
    report = experiment_report(experiment, start=start, end=end)
    all_tables = tables.experiment_tables(report)
    if request.GET.get("format") == "csv":
        return _csv_or_404(all_tables, request.GET.get("table", ""), f"experiment-{experiment.pk}", first, last)
    variants = report["experiment"]["variants"]
    charts = {
        "variants": [v["key"] for v in variants],
        "series": report["series"],
    }
    checks = [{**check, "label": check["name"].replace("_", " ")} for check in report["primary"]["checks"]]
    # Too little data, no baseline, a skewed split: repeated beside Declare winner and in its confirmation.
    warnings = [check for check in checks if check["level"] != "green"]
    return render(
        request,
        "reports/experiment.html",
        {
            "experiment": experiment,
            "journey": experiment.journey,
            "report": report,
            "tables": all_tables,
            "charts": charts,
            "checks": checks,
            "warnings": warnings,
            "methods": tables.METHODS,
            "can_decide": can_declare_winners(request.user),
            "metric_kinds": ExperimentMetric.Kind.choices,
            "first": first,
            "last": last,
            "range_errors": errors,
        },
    )


def _apply(request, experiment: Experiment, change, success: str = ""):
    """Run one change to the experiment; its refusal becomes a message on the report it returns to."""
    try:
        change()
    except services.ExperimentError as error:
        messages.error(request, str(error))
    else:
        if success:
            messages.success(request, success)
    return redirect("reports:experiment", journey_id=experiment.journey_id, node_id=experiment.node_id)


@login_required
@require_POST
def experiment_decide(request, journey_id: int, node_id: str):
    _deciding(request)
    experiment = experiment_or_404(journey_id, node_id)
    kind = request.POST.get("kind", "")
    if not request.POST.get("variant"):
        # No arm is preselected, and a browser without form validation can post the empty choice.
        messages.error(request, "Choose the arm that every customer goes to from now on.")
        return redirect("reports:experiment", journey_id=experiment.journey_id, node_id=experiment.node_id)
    return _apply(
        request,
        experiment,
        lambda: services.experiment_decide(
            experiment=experiment,
            kind=kind,
            variant=request.POST.get("variant", "")[:64],
            user=request.user,
            note=request.POST.get("note", ""),
        ),
        success="Winner declared." if kind == "winner" else "Experiment stopped.",
    )


def _number(raw, cast, default):
    try:
        return cast(raw)
    except (TypeError, ValueError):
        return default


@login_required
@require_POST
def experiment_settings(request, journey_id: int, node_id: str):
    _deciding(request)
    experiment = experiment_or_404(journey_id, node_id)
    return _apply(
        request,
        experiment,
        lambda: services.experiment_update_settings(
            experiment=experiment,
            minimum_detectable_effect=_number(request.POST.get("mde_percent"), float, -1) / 100,
            bandit_on=request.POST.get("bandit") == "on",
            bandit_interval_minutes=_number(request.POST.get("bandit_interval_minutes"), int, -1),
        ),
        success="Settings saved.",
    )


@login_required
@require_POST
def experiment_metric_add(request, journey_id: int, node_id: str):
    _deciding(request)
    experiment = experiment_or_404(journey_id, node_id)
    return _apply(
        request,
        experiment,
        lambda: services.experiment_metric_add(
            experiment=experiment,
            kind=request.POST.get("kind", ""),
            event=request.POST.get("event", "")[:300],
            window_days=_number(request.POST.get("window_days"), int, -1),
        ),
    )


@login_required
@require_POST
def experiment_metric_remove(request, journey_id: int, node_id: str, metric_id: int):
    _deciding(request)
    experiment = experiment_or_404(journey_id, node_id)
    return _apply(
        request, experiment, lambda: services.experiment_metric_remove(experiment=experiment, metric_id=metric_id)
    )
