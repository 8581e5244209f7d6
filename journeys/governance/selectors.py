"""Reading the audit log: the filters the audit page, its exports and the API share."""

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from journeys.input import utc_moment
from journeys.models import AuditEntry

FILTERS = ("action", "actor", "object_type", "object_id", "interface", "since", "until")
MAX_FILTER_CHARS = 200
# An export is one response: beyond this many rows, narrow the filters (the page says so).
EXPORT_LIMIT = 100_000


class FilterError(ValueError):
    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _moment(raw: str, *, end: bool):
    value = None
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = timezone.datetime.combine(
                day, timezone.datetime.max.time() if end else timezone.datetime.min.time()
            )
    except ValueError:
        value = None
    return utc_moment(value)


def audit_filters(params) -> dict:
    """The filters given in `params` (a QueryDict or dict), checked; FilterError names the bad ones."""
    filters, errors = {}, {}
    for name in FILTERS:
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if len(raw) > MAX_FILTER_CHARS:
            errors[name] = f"at most {MAX_FILTER_CHARS} characters"
        elif name in ("since", "until"):
            moment = _moment(raw, end=name == "until")
            if moment is None:
                errors[name] = "an ISO-8601 date or date-time"
            else:
                filters[name] = moment
        else:
            filters[name] = raw
    if errors:
        raise FilterError(errors)
    return filters


def audit_entries(filters: dict):
    """Newest first. `action` matches a prefix ("journey." for every journey entry); the rest match exactly."""
    queryset = AuditEntry.objects.all()
    if "action" in filters:
        queryset = queryset.filter(action__startswith=filters["action"])
    for name in ("actor", "object_type", "object_id", "interface"):
        if name in filters:
            queryset = queryset.filter(**{name: filters[name]})
    if "since" in filters:
        queryset = queryset.filter(at__gte=filters["since"])
    if "until" in filters:
        queryset = queryset.filter(at__lte=filters["until"])
    return queryset.order_by("-id")


EXPORT_FIELDS = (
    "id",
    "at",
    "actor",
    "actor_id",
    "token",
    "interface",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "diff",
)


def entry_as_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "token": entry.token,
        "interface": entry.interface,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "diff": entry.diff,
    }
