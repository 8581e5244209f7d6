"""The monitoring pages: the alert list (acknowledge, mute) and one alert with its series and band."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from journeys.models import Alert
from journeys.monitoring import detector, services
from journeys.monitoring.chart import chart_geometry
from journeys.monitoring.series import hour_floor, series_one
from journeys.roles import ADMINS, can_read_journeys, user_roles

PAGE_SIZE = 200
CHART_DAYS_BEFORE = 7


def _readable(request) -> None:
    if not can_read_journeys(request.user):
        raise PermissionDenied("Monitoring is for Marketers, Reviewers and Admins.")


def _acting(request) -> None:
    if ADMINS not in user_roles(request.user):
        raise PermissionDenied("Only Admins acknowledge or mute alerts.")


@login_required
@require_GET
def alert_list(request):
    _readable(request)
    state = request.GET.get("state", "")
    alerts = Alert.objects.select_related("journey")
    if state in Alert.State.values:
        alerts = alerts.filter(state=state)
    return render(
        request,
        "monitoring/list.html",
        {
            "alerts": alerts[:PAGE_SIZE],
            "state": state,
            "states": Alert.State.values,
            "can_act": ADMINS in user_roles(request.user),
            "status": services.monitoring_status(),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def alert_detail(request, alert_id: int):
    _readable(request)
    alert = get_object_or_404(Alert.objects.select_related("journey"), pk=alert_id)
    shown_from = hour_floor(alert.window_start) - timedelta(days=CHART_DAYS_BEFORE)
    # Whole hours only: the hour under way is still filling and would look like a drop.
    shown_until = min(hour_floor(alert.window_end) + timedelta(days=1), hour_floor(timezone.now()))
    shown_until = max(shown_until, alert.window_end)
    since = shown_from - timedelta(weeks=detector.WEEKS)
    counts = series_one(key=alert.series_key, since=since, until=shown_until)
    chart = None
    if counts is not None:
        expected, lower, upper = detector.expected_bands(counts)
        offset = int((shown_from - since).total_seconds() // 3600)
        first = int((alert.window_start - shown_from).total_seconds() // 3600)
        last = int((alert.window_end - shown_from).total_seconds() // 3600) - 1
        chart = chart_geometry(
            counts[offset:], expected[offset:], lower[offset:], upper[offset:], window=(first, max(first, last))
        )
    return render(
        request,
        "monitoring/detail.html",
        {
            "alert": alert,
            "chart": chart,
            "shown_from": shown_from,
            "shown_until": shown_until,
            "can_act": ADMINS in user_roles(request.user),
        },
    )


def _back(request, alert: Alert):
    # Back to the page the button was on: the alert's own page or the list.
    if request.POST.get("next") == "detail":
        return redirect("monitoring:detail", alert.id)
    return redirect("monitoring:list")


@login_required
@require_POST
def alert_acknowledge(request, alert_id: int):
    _acting(request)
    alert = get_object_or_404(Alert, pk=alert_id)
    services.alert_acknowledge(alert=alert, user=request.user)
    messages.success(request, f"Alert {alert.id} acknowledged.")
    return _back(request, alert)


@login_required
@require_POST
def alert_mute(request, alert_id: int):
    _acting(request)
    alert = get_object_or_404(Alert, pk=alert_id)
    try:
        hours = int(request.POST.get("hours", "")[:6])
        services.alert_mute(alert=alert, user=request.user, hours=hours)
    except ValueError:
        return HttpResponseBadRequest(f"Mute for a whole number of hours, 1 to {services.MAX_MUTE_HOURS}.")
    messages.success(request, f"{alert.series_key} muted for {hours} hours.")
    return _back(request, alert)
