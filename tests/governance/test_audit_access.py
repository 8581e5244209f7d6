"""Browsing, filtering and exporting the audit log: Admins only, and nothing can change an entry."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from journeys import roles
from journeys.governance import audit
from journeys.models import AuditEntry
from tests.factories import make_user
from tests.governance.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return person(roles.ADMINS, username="auditor")[1]


def seed():
    audit.record("journey.publish", object_type="journeys.journey", object_id="11", object_repr="<script>x</script>")
    audit.record("template.create", object_type="journeys.messagetemplate", object_id="12", object_repr="=HYPERLINK(1)")


@pytest.mark.parametrize("role", [roles.MARKETERS, roles.REVIEWERS, None])
def test_only_admins_see_the_audit_log(role):
    seed()
    _, client = person(role) if role else (None, Client())
    if role is None:
        client.force_login(make_user())  # signed in, but with no role
    assert client.get("/api/audit/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/audit/export.json").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().get("/api/audit/").status_code in (401, 403)


def test_the_api_filters_by_action_prefix_object_and_dates(admin):
    seed()
    body = admin.get("/api/audit/", {"action": "journey.", "object_id": "11"}).json()
    assert [item["action"] for item in body["results"]] == ["journey.publish"]
    assert admin.get("/api/audit/", {"since": "2000-01-01", "until": "2000-01-02"}).json()["results"] == []
    bad = admin.get("/api/audit/", {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()


def test_the_page_escapes_what_it_shows(admin):
    seed()
    response = admin.get("/audit/", {"object_type": "journeys.journey"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "export.csv?object_type=journeys.journey" in page
    assert admin.get("/audit/", {"until": "not a date"}).status_code == 400


def test_csv_export_disarms_spreadsheet_formulas_and_is_itself_recorded(admin):
    seed()
    response = admin.get("/audit/export.csv", {"object_type": "journeys.messagetemplate"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["object_repr"] for row in rows] == ["'=HYPERLINK(1)"]
    exported = AuditEntry.objects.filter(action="audit.export").first()
    assert exported.actor == "auditor" and exported.diff["format"] == "csv"


def test_json_export_has_every_field(admin):
    seed()
    response = admin.get("/audit/export.json", {"action": "journey.publish"})
    items = json.loads(response.content)
    assert set(items[0]) == {
        "id", "at", "actor", "actor_id", "token", "interface", "ip", "action",
        "object_type", "object_id", "object_repr", "diff",
    }  # fmt: skip
    assert all(item["action"] == "journey.publish" for item in items)


def test_no_write_method_exists_on_the_audit_api(admin):
    seed()
    entry_id = AuditEntry.objects.first().pk
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin, method)("/api/audit/", content_type="application/json").status_code == 405
        assert getattr(admin, method)(f"/api/audit/{entry_id}/").status_code == 404


def test_the_django_admin_cannot_change_or_delete_entries():
    superuser = make_user(username="su", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    entry = audit.record("journey.create", object_type="journeys.journey", object_id="1")
    assert client.get("/admin/journeys/auditentry/").status_code == 200
    assert client.get(f"/admin/journeys/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/journeys/auditentry/{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get("/admin/journeys/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "journey.create"


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:00", "0001-01-01T00:00:00+14:00"])
def test_a_moment_postgresql_cannot_hold_is_a_400_everywhere_the_log_is_read(admin, moment):
    seed()
    answers = [
        admin.get("/audit/", {"since": moment}),
        admin.get("/api/audit/", {"since": moment}),
        admin.get("/audit/export.csv", {"since": moment}),
        admin.get("/audit/export.json", {"until": moment}),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400, 400]
    assert not AuditEntry.objects.filter(action="audit.export").exists()


def test_an_offset_postgresql_holds_is_read_as_the_same_moment_in_utc(admin):
    seed()
    everything = admin.get("/api/audit/").json()["count"]

    # 15:59 east is the largest offset PostgreSQL takes; ten days ahead of now, in UTC.
    ahead = (timezone.now() + timedelta(days=10)).astimezone(timezone.get_fixed_timezone(959))
    assert admin.get("/api/audit/", {"until": ahead.isoformat()}).json()["count"] == everything
