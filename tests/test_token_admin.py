"""API tokens in the Django admin (security review, finding 14).

DRF's own TokenAdmin listed every full key, and a token's str() is its key, so Django's LogEntry
("Recent actions", django_admin_log) kept the key as object_repr, even after deletion. The key
must now be shown once, at creation, and nowhere after.
"""

import importlib

import pytest
from django.apps import apps as live_apps
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token, TokenProxy

from tests.factories import make_user

pytestmark = pytest.mark.django_db

TOKENS = "/admin/authtoken/tokenproxy/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(username="root", email="root@example.com", password="pw"))
    return client


def admin_log_text() -> str:
    return " ".join(f"{entry.object_id} {entry.object_repr} {entry.change_message}" for entry in LogEntry.objects.all())


def test_a_token_key_is_shown_once_at_creation_and_never_again(admin_client):
    ada = make_user(username="ada")

    created = admin_client.post(f"{TOKENS}add/", {"user": ada.pk}, follow=True)

    key = Token.objects.get(user=ada).key
    assert created.status_code == 200
    assert created.content.decode().count(key) == 1  # the one-time message
    assert "copy it now" in created.content.decode()
    pages = [TOKENS, f"{TOKENS}{ada.pk}/change/", f"{TOKENS}{ada.pk}/history/", f"{TOKENS}{ada.pk}/delete/", "/admin/"]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert key not in response.content.decode(), page
    assert key[:8] in admin_client.get(TOKENS).content.decode()  # enough to tell keys apart
    [added] = LogEntry.objects.filter(action_flag=ADDITION)
    assert added.object_repr == "API token of ada"
    assert key not in admin_log_text()


def test_deleting_a_token_leaves_its_key_nowhere_in_the_admin_log(admin_client):
    ada = make_user(username="ada")
    key = Token.objects.create(user=ada).key

    deleted = admin_client.post(f"{TOKENS}{ada.pk}/delete/", {"post": "yes"}, follow=True)

    assert deleted.status_code == 200
    assert not Token.objects.filter(user=ada).exists()
    assert key not in deleted.content.decode()
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 1
    assert key not in admin_log_text()
    assert key not in admin_client.get("/admin/").content.decode()


def test_the_migration_renames_log_entries_that_named_a_token_by_its_key():
    user = make_user(username="keeper")
    kind = ContentType.objects.get_for_model(TokenProxy)
    LogEntry.objects.create(user=user, content_type=kind, object_id="1", object_repr="a" * 40, action_flag=ADDITION)
    migration = importlib.import_module("journeys.migrations.0027_admin_log_forgets_api_token_keys")

    migration.forget_token_keys(live_apps, None)

    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["API token"]
