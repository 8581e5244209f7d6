from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError

from journeys import roles
from journeys.ingest.auth import source_id_for_write_key
from journeys.management.commands import seed_demo
from journeys.models import AnonymousId, Customer, Event, Source
from journeys.models.customers import hash_write_key
from tests.factories import make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_passwords(settings):
    # Hashing passwords at full strength costs most of a second each; seed_demo sets three.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "sources": Source.objects.count(),
        "customers": Customer.objects.count(),
        "anonymous ids": AnonymousId.objects.count(),
        "events": Event.objects.count(),
    }


# --- create_source


def test_create_source_prints_a_write_key_that_authenticates_as_its_last_line():
    stdout, stderr = run("create_source", "  Website  ")

    write_key = stdout.strip().splitlines()[-1]
    source = Source.objects.get(name="Website")
    assert source.write_key_hash == hash_write_key(write_key)
    assert source.write_key_prefix == write_key[:8]
    assert source_id_for_write_key(write_key) == source.id
    assert len(write_key) >= 32
    assert "Created source 'Website'" in stderr
    assert write_key not in stderr


def test_create_source_makes_a_different_key_each_time():
    first, _ = run("create_source", "Website")
    second, _ = run("create_source", "iOS app")

    assert first.strip() != second.strip()


def test_create_source_refuses_a_name_already_taken():
    make_source(name="Website")

    with pytest.raises(CommandError, match="A source named 'Website' already exists"):
        run("create_source", "Website")
    assert Source.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   "])
def test_create_source_refuses_an_empty_name(name):
    with pytest.raises(CommandError, match="The source needs a name"):
        run("create_source", name)
    assert not Source.objects.exists()


def test_create_source_refuses_a_name_longer_than_the_column():
    with pytest.raises(CommandError, match="at most 100 characters"):
        run("create_source", "x" * 101)
    assert not Source.objects.exists()


# --- roles and seed_demo


def test_the_three_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {roles.MARKETERS, roles.REVIEWERS, roles.ADMINS}


def test_seed_demo_creates_the_demo_users_source_customers_and_events(fast_passwords):
    stdout, _ = run("seed_demo")

    assert "Demo data ready" in stdout
    for username, password, role, is_admin in seed_demo.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert (user.is_staff, user.is_superuser) == (is_admin, is_admin)
    assert User.objects.get(username="admin").is_staff
    assert not User.objects.get(username="marketer").is_staff
    source = Source.objects.get(name=seed_demo.DEMO_SOURCE)
    assert source_id_for_write_key(seed_demo.DEMO_WRITE_KEY) == source.id
    assert Customer.objects.filter(external_id__startswith="demo-").count() == seed_demo.DEMO_CUSTOMERS
    assert Customer.objects.filter(email="demo-0001@example.com").exists()
    # One identify with the profile, one with the sign-up form's phone and consent answers.
    assert Event.objects.filter(source=source, type="identify").count() == 2 * seed_demo.DEMO_CUSTOMERS
    assert Event.objects.filter(source=source, type="track").exists()


def test_seed_demo_run_twice_duplicates_nothing(fast_passwords):
    run("seed_demo")
    first = counts()

    stdout, _ = run("seed_demo")

    assert counts() == first
    assert "Demo data ready: 0 new events" in stdout
    for username, _password, role, _is_admin in seed_demo.DEMO_USERS:
        assert list(User.objects.get(username=username).groups.values_list("name", flat=True)) == [role]


def test_seed_demo_keeps_a_changed_demo_password(fast_passwords):
    run("seed_demo")
    marketer = User.objects.get(username="marketer")
    marketer.set_password("changed-by-its-owner")
    marketer.save()

    run("seed_demo")

    assert User.objects.get(username="marketer").check_password("changed-by-its-owner")
