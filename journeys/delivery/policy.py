"""The guardrails' settings, read once: frequency caps, quiet hours, send-rate limits.

Each is a small value object with a pure decision function, so tests can check the rules
without a database and the worker applies them set-based.
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from journeys.models.customers import timezone_names

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Cap:
    limit: int
    window: timedelta


def parse_caps(text: str) -> dict[str, Cap]:
    """ "email:3/7d,sms:2/1d" -> {"email": Cap(3, 7 days), ...}"""
    caps = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"(\w+):(\d+)/(\d+)([mhdw])", item)
        if not match:
            raise ImproperlyConfigured(
                f"DELIVERY_FREQUENCY_CAPS: {item!r} is not channel:count/period such as email:3/7d"
            )
        channel, limit, amount, unit = match.groups()
        caps[channel] = Cap(int(limit), timedelta(seconds=int(amount) * _UNITS[unit]))
    return caps


def parse_rates(text: str) -> dict[str, float]:
    """ "email:50,sms:10" -> {"email": 50.0, "sms": 10.0}; 0 means unlimited."""
    rates = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"(\w+):(\d+(?:\.\d+)?)", item)
        if not match:
            raise ImproperlyConfigured(f"DELIVERY_RATE_LIMITS: {item!r} is not channel:per_second such as sms:10")
        if float(match.group(2)) > 0:
            rates[match.group(1)] = float(match.group(2))
    return rates


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight

    def resume_at(self, now: datetime, timezone_name: str) -> datetime | None:
        """When a message due `now` may go out for a customer in this timezone; None when not quiet."""
        zone = zoneinfo.ZoneInfo(timezone_name)
        local = now.astimezone(zone)
        if not self.contains(local.time()):
            return None
        end_day = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_day += timedelta(days=1)
        # fold=0 and normalising through UTC handle the end falling in a DST gap or overlap.
        resume = datetime.combine(end_day, self.end, tzinfo=zone)
        return resume.astimezone(now.tzinfo)


def parse_quiet_hours(text: str) -> QuietHours | None:
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise ImproperlyConfigured(f"DELIVERY_QUIET_HOURS must look like 21:00-08:00, got {text!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    try:
        quiet = QuietHours(time(h1, m1), time(h2, m2))
    except ValueError:
        raise ImproperlyConfigured(f"DELIVERY_QUIET_HOURS has an impossible time: {text!r}") from None
    return None if quiet.start == quiet.end else quiet


@dataclass(frozen=True)
class Policy:
    caps: dict[str, Cap]
    rates: dict[str, float]
    quiet_hours: QuietHours | None
    quiet_channels: frozenset[str]
    default_timezone: str
    max_attempts: int
    retry_seconds: int

    def customer_timezone(self, name: str) -> str:
        return name if name and name in timezone_names() else self.default_timezone

    def retry_delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """Exponential backoff: retry_seconds, doubled after each failed attempt, at most a day."""
        seconds = min(self.retry_seconds * 2 ** max(0, attempts - 1), 86400)
        if retry_after is not None:
            seconds = max(seconds, min(retry_after, 86400))
        return timedelta(seconds=seconds)


@cache
def _policy(caps: str, rates: str, quiet: str, quiet_channels: tuple, tz: str, attempts: int, retry: int) -> Policy:
    return Policy(
        caps=parse_caps(caps),
        rates=parse_rates(rates),
        quiet_hours=parse_quiet_hours(quiet),
        quiet_channels=frozenset(quiet_channels),
        default_timezone=tz,
        max_attempts=attempts,
        retry_seconds=retry,
    )


def current_policy() -> Policy:
    """The policy from settings (cached per distinct settings, so tests may override them)."""
    return _policy(
        settings.DELIVERY_FREQUENCY_CAPS,
        settings.DELIVERY_RATE_LIMITS,
        settings.DELIVERY_QUIET_HOURS,
        tuple(settings.DELIVERY_QUIET_HOURS_CHANNELS),
        settings.DEFAULT_CUSTOMER_TIMEZONE,
        settings.DELIVERY_MAX_ATTEMPTS,
        settings.DELIVERY_RETRY_SECONDS,
    )
