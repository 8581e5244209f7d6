"""API tokens: kept as digests (django-rest-knox), shown once, named without their key.

A security review (finding 14) found DRF's admin listing every full key and Django's admin log
naming tokens by them; the keys themselves were stored as they are, so a copy of the database
was a set of working credentials. Now only a SHA-512 digest and the key's first 15 characters
are stored, and the key is shown once, when it is made.
"""

import hashlib
import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as live_apps
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from journeys import roles
from journeys.models import ApiToken, AuditEntry
from tests.factories import make_api_token, make_user

pytestmark = pytest.mark.django_db

TOKENS = "/admin/journeys/apitoken/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(username="root", email="root@example.com", password="pw"))
    return client


def admin_log_text() -> str:
    return " ".join(f"{entry.object_id} {entry.object_repr} {entry.change_message}" for entry in LogEntry.objects.all())


def api_status(key: str) -> int:
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/journeys/").status_code


def stored_token_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key, user_id, created, expiry FROM knox_authtoken")
        return repr(cursor.fetchall())


def test_a_token_key_is_shown_once_at_creation_and_stored_only_as_a_digest(admin_client):
    ada = make_user(username="ada", role=roles.MARKETERS)

    created = admin_client.post(f"{TOKENS}add/", {"user": ada.pk, "expiry_0": "", "expiry_1": ""}, follow=True)

    assert created.status_code == 200
    page = created.content.decode()
    assert "copy it now" in page
    key = page.split("API token for ada: ")[1].split(" ")[0]
    assert len(key) == 64 and page.count(key) == 1  # the one-time message
    token = ApiToken.objects.get(user=ada)
    assert (token.digest, token.token_key, token.expiry) == (hashlib.sha512(key.encode()).hexdigest(), key[:15], None)
    assert key not in stored_token_text()
    assert api_status(key) == 200
    one = f"{TOKENS}{token.pk}/"
    for address in [TOKENS, f"{one}change/", f"{one}history/", f"{one}delete/", "/admin/"]:
        response = admin_client.get(address)
        assert response.status_code == 200, address
        assert key not in response.content.decode(), address
    assert key[:8] in admin_client.get(TOKENS).content.decode()  # enough to tell keys apart
    [added] = LogEntry.objects.filter(action_flag=ADDITION)
    assert added.object_repr == "API token of ada"
    assert key not in admin_log_text()
    [audited] = AuditEntry.objects.filter(action="admin.add")
    assert (audited.object_type, audited.object_id, audited.object_repr) == (
        "journeys.apitoken",
        "",
        "API token of ada",
    )


def test_a_user_may_hold_several_tokens_and_each_works_until_deleted(admin_client):
    ada = make_user(username="ada", role=roles.MARKETERS)
    old_key, new_key = make_api_token(ada), make_api_token(ada)
    old = ApiToken.objects.get(token_key=old_key[:15])

    deleted = admin_client.post(f"{TOKENS}{old.pk}/delete/", {"post": "yes"}, follow=True)

    assert deleted.status_code == 200
    assert (api_status(old_key), api_status(new_key)) == (401, 200)
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 1
    assert old_key not in admin_log_text()
    assert old_key not in admin_client.get("/admin/").content.decode()


def test_the_admin_moves_a_tokens_expiry_but_not_its_owner(admin_client):
    ada, bob = make_user(username="ada", role=roles.MARKETERS), make_user(username="bob", role=roles.ADMINS)
    key = make_api_token(ada)
    token = ApiToken.objects.get(user=ada)
    past = timezone.localtime() - timedelta(minutes=5)

    changed = admin_client.post(
        f"{TOKENS}{token.pk}/change/",
        {"user": bob.pk, "expiry_0": past.strftime("%Y-%m-%d"), "expiry_1": past.strftime("%H:%M:%S")},
    )

    assert changed.status_code == 302
    token.refresh_from_db()
    assert token.user == ada and abs(token.expiry - past) < timedelta(seconds=1)
    assert api_status(key) == 401  # expired: refused, and knox removes it
    assert not ApiToken.objects.filter(user=ada).exists()


@pytest.mark.parametrize("header", ["Token \xff\xfe", "Token ", "Token a b", "Token " + "0" * 5000])
def test_a_malformed_token_header_is_401_not_an_error(header):
    assert Client(HTTP_AUTHORIZATION=header).get("/api/journeys/").status_code == 401


def test_the_command_prints_a_working_token_with_an_optional_expiry():
    make_user(username="integration", role=roles.MARKETERS)
    out = StringIO()

    call_command("create_api_token", "integration", "--expires-in-days", "30", stdout=out, stderr=StringIO())

    key = out.getvalue().strip().splitlines()[-1]
    assert api_status(key) == 200
    token = ApiToken.objects.get()
    assert timedelta(days=29, hours=23) < token.expiry - timezone.now() <= timedelta(days=30)
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_api_token", "nobody", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="at least 1"):
        call_command("create_api_token", "integration", "--expires-in-days", "0", stdout=StringIO(), stderr=StringIO())


class SchemaEditorStandIn:
    connection = connection


def test_the_migration_hashes_drf_tokens_so_existing_integrations_keep_working():
    ada = make_user(username="ada", role=roles.MARKETERS)
    drf_key = "0123456789abcdef0123456789abcdef01234567"  # DRF's shape: 40 hex characters
    made = timezone.now() - timedelta(days=90)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL,"
            " user_id integer NOT NULL UNIQUE)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [drf_key, made, ada.pk])
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', now())")
    migration = importlib.import_module("journeys.migrations.0029_api_tokens_hashed")

    migration.move_drf_tokens(live_apps, SchemaEditorStandIn())

    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)
    assert drf_key not in stored_token_text()
    token = ApiToken.objects.get(user=ada)
    assert (token.token_key, token.created, token.expiry) == (drf_key[:15], made, None)
    assert api_status(drf_key) == 200
    migration.move_drf_tokens(live_apps, SchemaEditorStandIn())  # again: nothing left to move


def test_the_earlier_migration_renames_log_entries_that_named_a_token_by_its_key():
    user = make_user(username="keeper")
    kind, _ = ContentType.objects.get_or_create(app_label="authtoken", model="tokenproxy")
    LogEntry.objects.create(user=user, content_type=kind, object_id="1", object_repr="a" * 40, action_flag=ADDITION)
    migration = importlib.import_module("journeys.migrations.0027_admin_log_forgets_api_token_keys")

    migration.forget_token_keys(live_apps, None)

    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["API token"]
