"""The hourly monitoring job and what people do with its alerts (acknowledge, mute)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from journeys.models import Alert, MonitoringRun
from journeys.monitoring import detector
from journeys.monitoring.notify import alert_notify
from journeys.monitoring.series import SeriesData, hour_floor, series_build
from journeys.retention.status import oldest_row
from journeys.retention.tables import EVENTS

# A job that was down catches up on at most this many hours; older ones are history, not news.
MAX_CATCH_UP_HOURS = 48
MAX_MUTE_HOURS = 24 * 30


def _muted(key: str, now: datetime) -> bool:
    return Alert.objects.filter(series_key=key, state=Alert.State.MUTED, muted_until__gt=now).exists()


def _record(data: SeriesData, episode: detector.Episode, since: datetime, now: datetime) -> Alert | None:
    """Open a new alert for the episode, or extend the series' alert whose episode it continues."""
    start = since + timedelta(hours=episode.start)
    end = since + timedelta(hours=episode.end + 1)
    worst = episode.worst
    figures = {
        "observed": float(worst.observed),
        "expected": float(worst.expected),
        "lower": float(worst.lower),
        "upper": float(worst.upper),
    }
    recent = (
        Alert.objects.filter(
            series_key=data.key,
            direction=episode.direction,
            window_end__gte=start - timedelta(hours=detector.MERGE_GAP_HOURS),
        )
        .order_by("-window_end")
        .first()
    )
    if recent is not None:
        recent.window_end = max(recent.window_end, end)
        recent.hours = int((recent.window_end - recent.window_start).total_seconds() // 3600)
        recent.updated_at = now
        for name, value in figures.items():
            setattr(recent, name, value)
        recent.save()
        return None
    return Alert.objects.create(
        series_key=data.key,
        journey_id=data.journey_id,
        node_id=data.node_id,
        direction=episode.direction,
        window_start=start,
        window_end=end,
        hours=episode.end - episode.start + 1,
        created_at=now,
        updated_at=now,
        **figures,
    )


@dataclass(frozen=True)
class MonitoringStatus:
    evaluated_through: datetime | None  # None: the job has not run yet
    history_from: datetime | None  # the first event received; None: none yet
    min_weeks: int

    @property
    def judged_from(self) -> datetime | None:
        """From when an hour can be judged: a series needs `min_weeks` of the same hour behind it."""
        return self.history_from + timedelta(weeks=self.min_weeks) if self.history_from else None


def monitoring_status() -> MonitoringStatus:
    """What the list page says when it has no alerts to show: has anything been judged yet?"""
    run = MonitoringRun.objects.filter(id=1).first()
    # The event log has no index on received_at to take a min() from: retention finds the oldest cheaply.
    return MonitoringStatus(run.evaluated_through if run else None, oldest_row(EVENTS), detector.MIN_WEEKS)


def monitoring_run(*, now: datetime | None = None) -> int:
    """Judge the whole hours not yet judged against each series' seasonal baseline; return new alerts.

    New alerts are emailed to Admins and posted to the webhook after commit, unless their
    series is muted.
    """
    now = now or timezone.now()
    until = hour_floor(now)
    run, _ = MonitoringRun.objects.get_or_create(id=1, defaults={"evaluated_through": until - timedelta(hours=1)})
    first = max(run.evaluated_through, until - timedelta(hours=MAX_CATCH_UP_HOURS))
    if first >= until:
        return 0
    since = until - timedelta(weeks=detector.WEEKS) - timedelta(hours=MAX_CATCH_UP_HOURS)
    start_index = int((first - since).total_seconds() // 3600)
    created: list[Alert] = []
    with transaction.atomic():
        for data in series_build(since=since, until=until):
            if not data.counts.any():
                continue
            for episode in detector.episodes(detector.judge(data.counts, start=start_index)):
                if _muted(data.key, now):
                    continue
                alert = _record(data, episode, since, now)
                if alert is not None:
                    created.append(alert)
        MonitoringRun.objects.filter(id=1).update(evaluated_through=until)
        for alert in created:
            transaction.on_commit(lambda alert=alert: _notify(alert))
    return len(created)


def _notify(alert: Alert) -> None:
    alert_notify(alert=alert)
    Alert.objects.filter(id=alert.id).update(notified_at=timezone.now())


def alert_acknowledge(*, alert: Alert, user) -> Alert:
    """Someone has seen it: it stays listed but is no longer open."""
    alert.state = Alert.State.ACKNOWLEDGED
    alert.acknowledged_by = user
    alert.acknowledged_at = timezone.now()
    alert.updated_at = alert.acknowledged_at
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "updated_at"])
    return alert


def alert_mute(*, alert: Alert, user, hours: int) -> Alert:
    """Silence the alert's series for `hours`: no new alert or notification for it until then."""
    if not 1 <= hours <= MAX_MUTE_HOURS:
        raise ValueError(f"mute for 1 to {MAX_MUTE_HOURS} hours")
    now = timezone.now()
    alert.state = Alert.State.MUTED
    alert.muted_until = now + timedelta(hours=hours)
    alert.acknowledged_by = user
    alert.acknowledged_at = now
    alert.updated_at = now
    alert.save(update_fields=["state", "muted_until", "acknowledged_by", "acknowledged_at", "updated_at"])
    return alert
