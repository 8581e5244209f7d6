"""The audit table guards itself in PostgreSQL: no UPDATE, DELETE or TRUNCATE, even through raw SQL."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from journeys.governance import audit
from journeys.governance.context import Actor, acting, acting_as_system
from journeys.models import AuditEntry
from tests.factories import make_user

pytestmark = pytest.mark.django_db

APP_ROLE = "cjo_audit_app_test"


def refused(sql: str, params=()) -> str:
    """Run `sql` in a savepoint and return the database's refusal."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(caught.value)


@pytest.fixture
def app_role():
    """A role like a production application's: not a superuser, not the table's owner, all DML granted.

    Created inside the test's transaction, so it disappears with the rollback.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOSUPERUSER NOINHERIT")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON journeys_auditentry TO {APP_ROLE}")
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_record_keeps_who_when_what_and_from_where():
    user = make_user(username="ada")
    request = type("Request", (), {"user": user, "auth": None})()
    with acting(Actor(request=request, interface="api", ip="203.0.113.9")):
        entry = audit.record("journey.edit", object_type="journeys.journey", object_id=7, diff={"name": ["a", "b"]})
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_id, entry.interface, entry.ip) == ("ada", user.pk, "api", "203.0.113.9")
    assert (entry.action, entry.object_type, entry.object_id) == ("journey.edit", "journeys.journey", "7")
    assert entry.diff == {"name": ["a", "b"]}
    assert abs(entry.at - timezone.now()) < timedelta(minutes=1)


def test_a_system_actor_is_named_with_its_reason():
    with acting_as_system("seed_demo"):
        entry = audit.record("journey.publish", object_type="journeys.journey", object_id=1)
    assert AuditEntry.objects.get(pk=entry.pk).actor == "system:seed_demo"


def test_the_database_stamps_the_time_so_entries_cannot_be_backdated():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_auditentry (action, at) VALUES ('forged', now() - interval '400 days') RETURNING at"
        )
        (at,) = cursor.fetchone()
    assert abs(at - timezone.now()) < timedelta(minutes=1)


def test_the_orm_cannot_update_or_delete_an_entry():
    entry = audit.record("journey.create", object_type="journeys.journey", object_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "journey.create"


def test_raw_sql_cannot_update_delete_or_truncate_even_as_the_superuser_test_role():
    entry = audit.record("journey.create", object_type="journeys.journey", object_id=1)
    assert "append-only" in refused("UPDATE journeys_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    assert "append-only" in refused("DELETE FROM journeys_auditentry WHERE id = %s", [entry.pk])
    assert "append-only" in refused("TRUNCATE journeys_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_application_role_cannot_change_history_or_switch_the_guard_off(app_role):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO journeys_auditentry (action) VALUES ('written by the app role') RETURNING id")
        (entry_id,) = cursor.fetchone()
    assert "append-only" in refused("UPDATE journeys_auditentry SET action = 'x' WHERE id = %s", [entry_id])
    assert "append-only" in refused("DELETE FROM journeys_auditentry WHERE id = %s", [entry_id])
    assert "append-only" in refused("TRUNCATE journeys_auditentry")
    # Pretending to be the purge function does not help: the exception is for the table's owner.
    assert "append-only" in refused(
        "SELECT set_config('cjo.audit_purge', 'on', true); DELETE FROM journeys_auditentry WHERE id = %s", [entry_id]
    )
    assert "must be owner" in refused("ALTER TABLE journeys_auditentry DISABLE TRIGGER USER")
    assert "must be owner" in refused("DROP TABLE journeys_auditentry")
    assert "permission denied" in refused("SELECT journeys_audit_purge(1)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT action FROM journeys_auditentry WHERE id = %s", [entry_id])
        assert cursor.fetchone() == ("written by the app role",)


def _backdate(entry_id: int, days: int) -> None:
    # What only the owner or a superuser can do (and the log cannot prevent): switch the
    # triggers off inside a transaction. Documented in docs/operations.md.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE journeys_auditentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE journeys_auditentry SET at = now() - make_interval(days => %s) WHERE id = %s", [days, entry_id]
        )
        cursor.execute("ALTER TABLE journeys_auditentry ENABLE TRIGGER USER")


def test_retention_removes_only_entries_older_than_the_configured_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit.record("journey.create", object_type="journeys.journey", object_id="old")
    recent = audit.record("journey.create", object_type="journeys.journey", object_id="recent")
    _backdate(old.pk, 31)
    _backdate(recent.pk, 29)
    removed = audit.purge()
    assert removed >= 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    purge_entry = AuditEntry.objects.filter(action="audit.purge").first()
    assert purge_entry.diff["keep_days"] == 30 and purge_entry.actor == "system:retention"


def test_the_purge_function_always_keeps_at_least_a_day():
    assert "at least 1" in refused("SELECT journeys_audit_purge(0)")


def test_long_values_and_secrets_are_not_stored_whole():
    diff = audit.field_diff({"password": "a", "note": "x"}, {"password": "b", "note": "y" * 5000})
    assert diff["password"] == ["(hidden)", "(changed)"]
    entry = audit.record("user.change", object_type="auth.user", object_id=1, diff=diff)
    assert len(AuditEntry.objects.get(pk=entry.pk).diff["note"][1]) <= audit.MAX_VALUE_CHARS + 1
