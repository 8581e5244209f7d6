"""The audit log: `record` is the one way in; `purge` (retention) the one way out."""

import ipaddress
import json
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Model

from journeys.governance import context
from journeys.models import AuditEntry

# A diff is for reading, not for storing whole documents: long values are cut, and the diff as
# a whole has a ceiling so a huge graph edit cannot bloat the log.
MAX_VALUE_CHARS = 2000
MAX_DIFF_CHARS = 50_000
# Fields whose values never go into the log, only the fact that they changed.
SECRET_FIELDS = {"password", "write_key_hash", "key", "secret", "token", "digest"}


def jsonable(value):
    """A JSON-ready copy of a value, long strings cut."""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def field_diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that differ; secret fields say only that they changed."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changed[name] = ["(hidden)", "(changed)"] if name in SECRET_FIELDS else [jsonable(old), jsonable(new)]
    return changed


def _bounded(diff: dict) -> dict:
    diff = jsonable(diff or {})
    text = json.dumps(diff)
    if len(text) > MAX_DIFF_CHARS:
        return {"truncated": True, "summary": text[:MAX_DIFF_CHARS]}
    return diff


def record(
    action: str,
    obj: Model | None = None,
    diff: dict | None = None,
    *,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    user=None,
) -> AuditEntry:
    """Append one entry: `action` (e.g. "journey.publish") on `obj`, with a diff, by the current actor.

    The actor, IP and interface come from the audit context (the request, or a system actor);
    `user` names the actor when the caller knows better (a service given `user=`).
    """
    actor = context.current()
    if user is None or not getattr(user, "is_authenticated", False):
        user = context.request_user(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    if user is not None:
        actor_name = user.get_username()
    else:
        actor_name = f"system:{actor.system_reason}" if actor.system_reason else "system"
    ip = actor.ip
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            ip = None
    return AuditEntry.objects.create(
        actor_id=user.pk if user is not None else None,
        actor=actor_name[:200],
        token=context.request_token(actor),
        action=action[:64],
        object_type=str(object_type)[:64],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=str(object_repr)[:200],
        diff=_bounded(diff),
        ip=ip,
        interface=actor.interface[:16],
    )


def purge(*, keep_days: int | None = None) -> int:
    """Remove entries older than AUDIT_RETENTION_DAYS through the database's purge function; how many left."""
    keep_days = keep_days or settings.AUDIT_RETENTION_DAYS
    with connection.cursor() as cursor:
        cursor.execute("SELECT journeys_audit_purge(%s)", [keep_days])
        removed = cursor.fetchone()[0]
    with context.acting_as_system("retention"):
        record("audit.purge", object_type="audit", diff={"keep_days": keep_days, "removed": removed})
    return removed
