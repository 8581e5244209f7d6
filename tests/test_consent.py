"""Consent states: the policy, and every way a state is set (SDK traits, API, CSV, admin, unsubscribes)."""

import importlib
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client

from journeys.conditions import evaluate
from journeys.consent import consent_apply, consent_from_traits
from journeys.consent_policy import allows, parse_policy, parse_state
from journeys.delivery.checks import consent_policy_check
from journeys.delivery.services import opt_out
from journeys.ingest.identity import customer_merge
from journeys.models import ConsentChange, Customer
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.conditions.helpers import NOW, no_events, sql_ids, view
from tests.factories import logged_in, make_customer, make_user
from tests.ingest.test_endpoints import WRITE_KEY, post

pytestmark = pytest.mark.django_db


def history(customer) -> list[tuple]:
    return list(
        ConsentChange.objects.filter(customer=customer)
        .order_by("id")
        .values_list("channel", "previous", "state", "source")
    )


# --- states and the policy


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (True, "subscribed"),
        (False, "unsubscribed"),
        ("Subscribed", "subscribed"),
        ("unsubscribed", "unsubscribed"),
        ("yes", "subscribed"),
        ("opt-out", "unsubscribed"),
        (1, "subscribed"),
        (0, "unsubscribed"),
        ("not asked", "not_asked"),
        (None, "not_asked"),
        ("maybe", None),
        (7, None),
        ({"email": True}, None),
    ],
)
def test_states_are_read_from_what_sdks_and_files_write(value, state):
    assert parse_state(value) == state


def test_the_default_policy_is_opt_in_for_email_and_sms_and_opt_out_for_in_app():
    assert parse_policy("") == {"email": "opt_in", "sms": "opt_in", "push": "opt_in", "in_app": "opt_out"}
    assert parse_policy("email:opt_out")["email"] == "opt_out"


@pytest.mark.parametrize("text", ["email:maybe", "fax:opt_in", "email=opt_in"])
def test_a_bad_policy_is_refused_naming_the_setting(text, settings):
    with pytest.raises(ImproperlyConfigured, match="CONSENT_POLICY"):
        parse_policy(text)
    settings.CONSENT_POLICY = text
    assert [error.id for error in consent_policy_check()] == ["journeys.E103"]


def test_not_asked_follows_the_policy_while_an_explicit_state_always_wins(settings):
    assert not allows({}, "email")
    assert allows({}, "in_app")
    settings.CONSENT_POLICY = "email:opt_out,in_app:opt_in"
    assert allows({}, "email")
    assert not allows({"email": "unsubscribed"}, "email")
    assert not allows({}, "in_app")
    assert allows({"in_app": "subscribed"}, "in_app")
    assert allows({"in_app": True}, "in_app")  # the former spelling


def test_the_consent_condition_follows_states_and_policy_in_python_and_in_sql(settings):
    subscribed = make_customer(consent={"email": "subscribed"})
    legacy = make_customer(consent={"email": True})
    make_customer(consent={"email": "unsubscribed"})
    not_asked = make_customer(consent={})
    condition = {"type": "consent", "channel": "email"}

    assert sql_ids(condition) == {subscribed.id, legacy.id}
    assert evaluate(condition, view(consent={"email": "subscribed"}), no_events, NOW)[0]
    assert not evaluate(condition, view(consent={}), no_events, NOW)[0]

    settings.CONSENT_POLICY = "email:opt_out"
    assert sql_ids(condition) == {subscribed.id, legacy.id, not_asked.id}
    assert evaluate(condition, view(consent={}), no_events, NOW)[0]
    assert not evaluate(condition, view(consent={"email": False}), no_events, NOW)[0]


# --- the writer


def test_a_change_is_logged_once_and_setting_the_same_state_again_logs_nothing():
    ada = make_customer(external_id="ada")

    consent_apply(changes=[(ada.id, "email", "subscribed")], source="api")
    consent_apply(changes=[(ada.id, "email", "subscribed")], source="api")
    consent_apply(changes=[(ada.id, "email", "not_asked"), (ada.id, "sms", "unsubscribed")], source="admin")

    ada.refresh_from_db()
    assert ada.consent == {"sms": "unsubscribed"}
    assert history(ada) == [
        ("email", "not_asked", "subscribed", "api"),
        ("email", "subscribed", "not_asked", "admin"),
        ("sms", "not_asked", "unsubscribed", "admin"),
    ]


def test_a_legacy_boolean_is_rewritten_as_a_state_without_logging_a_change():
    ada = make_customer(external_id="ada", consent={"email": True})

    consent_apply(changes=[(ada.id, "email", "subscribed")], source="sdk")

    ada.refresh_from_db()
    assert ada.consent == {"email": "subscribed"} and history(ada) == []


def test_the_migration_turns_booleans_into_states_with_a_history_row():
    migration = importlib.import_module("journeys.migrations.0013_consent_states")
    ada = make_customer(external_id="ada", consent={"email": True, "sms": False})
    grace = make_customer(external_id="grace", consent={})

    with connection.cursor() as cursor:
        cursor.execute(migration.CONVERT_SQL)

    ada.refresh_from_db()
    grace.refresh_from_db()
    assert ada.consent == {"email": "subscribed", "sms": "unsubscribed"} and grace.consent == {}
    assert sorted(history(ada)) == [
        ("email", "", "subscribed", "migration"),
        ("sms", "", "unsubscribed", "migration"),
    ]


# --- identify traits


def test_identify_traits_set_consent_in_both_spellings_and_are_not_stored_as_attributes(db):
    from tests.factories import make_source

    make_source(write_key=WRITE_KEY)
    response = post(
        "/v1/identify",
        {
            "userId": "ada",
            "traits": {"plan": "pro", "consent": {"email": True, "sms": "unsubscribed"}, "consent_push": "yes"},
        },
    )
    assert response.status_code == 200, response.content

    ada = Customer.objects.get(external_id="ada")
    assert ada.consent == {"email": "subscribed", "sms": "unsubscribed", "push": "subscribed"}
    assert ada.attributes == {"plan": "pro"}
    assert {(channel, state, source) for channel, _, state, source in history(ada)} == {
        ("email", "subscribed", "sdk"),
        ("sms", "unsubscribed", "sdk"),
        ("push", "subscribed", "sdk"),
    }

    post("/v1/identify", {"userId": "ada", "traits": {"consent_email": False}})
    ada.refresh_from_db()
    assert ada.consent["email"] == "unsubscribed" and len(history(ada)) == 4


def test_unreadable_consent_traits_are_dropped_not_kept_as_attributes():
    kept, states = consent_from_traits(
        {"name": "Ada", "consent": {"email": "perhaps", "fax": True}, "consent_sms": 42, "consent_in_app": False}
    )

    assert kept == {"name": "Ada"}
    assert states == {"in_app": "unsubscribed"}


# --- the API


def consent_url(external_id: str) -> str:
    return f"/api/customers/by-external-id/{external_id}/consent/"


def test_a_reviewer_reads_consent_with_when_and_where_it_changed():
    ada = make_customer(external_id="ada")
    consent_apply(changes=[(ada.id, "email", "subscribed")], source="import", detail="file crm.csv")

    response = logged_in(REVIEWERS).get(consent_url("ada"))

    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == "ada"
    email = body["channels"]["email"]
    assert (email["state"], email["source"], email["detail"], email["allows_marketing"]) == (
        "subscribed",
        "import",
        "file crm.csv",
        True,
    )
    assert email["changed_at"] is not None
    assert body["channels"]["sms"] == {
        "state": "not_asked",
        "policy": "opt_in",
        "allows_marketing": False,
        "changed_at": None,
        "source": "",
        "detail": "",
    }
    assert body["history"][0]["state"] == "subscribed"


@pytest.mark.parametrize("role", [MARKETERS, ADMINS])
def test_marketers_and_admins_change_consent_and_the_change_names_them(role):
    ada = make_customer(external_id="ada", consent={"email": "subscribed"})
    user = make_user(role=role, username=f"{role.lower()}-1")
    client = Client()
    client.force_login(user)

    response = client.patch(consent_url("ada"), {"email": "unsubscribed", "sms": "subscribed"}, "application/json")

    assert response.status_code == 200, response.content
    assert response.json()["channels"]["email"]["state"] == "unsubscribed"
    ada.refresh_from_db()
    assert ada.consent == {"email": "unsubscribed", "sms": "subscribed"}
    change = ConsentChange.objects.get(customer=ada, channel="email")
    assert (change.source, change.detail, change.previous) == ("api", f"user {user.username}", "subscribed")


def test_reviewers_and_strangers_cannot_change_consent():
    ada = make_customer(external_id="ada")

    reviewer = logged_in(REVIEWERS)
    assert reviewer.patch(consent_url("ada"), {"email": "subscribed"}, "application/json").status_code == 403
    assert logged_in(None).get(consent_url("ada")).status_code == 403
    assert Client().get(consent_url("ada")).status_code in (401, 403)
    ada.refresh_from_db()
    assert ada.consent == {} and history(ada) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fax": "subscribed"}, "fax"),
        ({"email": "yes please"}, "email"),
        ({"email": True}, "email"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_consent_bodies_get_a_400_naming_the_field(body, field):
    make_customer(external_id="ada")

    response = logged_in(MARKETERS).patch(consent_url("ada"), json.dumps(body), "application/json")

    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_customer_is_a_404():
    assert logged_in(MARKETERS).get(consent_url("nobody")).status_code == 404


# --- import, admin, unsubscribes, merges


def test_a_csv_import_logs_its_consent_changes_with_the_file_name(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "crm.csv"
    path.write_text("external_id,consent_email,consent_sms\nada,subscribed,no\ngrace,,not_asked\n")

    call_command("import_customers", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    ada, grace = Customer.objects.get(external_id="ada"), Customer.objects.get(external_id="grace")
    assert ada.consent == {"email": "subscribed", "sms": "unsubscribed"}
    assert grace.consent == {} and history(grace) == []
    assert set(ConsentChange.objects.filter(customer=ada).values_list("source", "detail")) == {
        ("import", "file crm.csv")
    }


def test_an_admin_sets_consent_per_channel_and_the_change_is_logged(admin_client, admin_user):
    ada = make_customer(external_id="ada", email="ada@example.com", consent={"email": "unsubscribed"})
    url = f"/admin/journeys/customer/{ada.id}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="consent_email"' in page.content

    form = {
        "external_id": "ada",
        "email": "ada@example.com",
        "phone": "",
        "timezone": "",
        "attributes": "{}",
        "consent_email": "subscribed",
        "consent_sms": "not_asked",
        "consent_push": "not_asked",
        "consent_in_app": "unsubscribed",
        "anonymous_ids-TOTAL_FORMS": "0",
        "anonymous_ids-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    ada.refresh_from_db()
    assert ada.consent == {"email": "subscribed", "in_app": "unsubscribed"}
    assert set(ConsentChange.objects.filter(customer=ada).values_list("channel", "source", "detail")) == {
        ("email", "admin", f"user {admin_user.username}"),
        ("in_app", "admin", f"user {admin_user.username}"),
    }
    page = admin_client.get(url)
    assert b"unsubscribed \xe2\x86\x92 subscribed" in page.content  # the history, on the customer page


def test_an_unsubscribe_sets_the_channel_unsubscribed_with_its_source():
    ada = make_customer(external_id="ada", consent={"email": "subscribed", "sms": "subscribed"})

    opt_out(ada, "email", "marketing", "clicked the link")
    opt_out(ada, "sms", "all", "replied STOP", source="provider")

    ada.refresh_from_db()
    assert ada.consent == {"email": "unsubscribed", "sms": "unsubscribed"}
    assert {(channel, source) for channel, _, _, source in history(ada)} == {
        ("email", "unsubscribe_link"),
        ("sms", "provider"),
    }


def test_a_merge_keeps_the_merged_away_profiles_consent_history():
    anonymous = make_customer(consent={})
    known = make_customer(external_id="ada")
    consent_apply(changes=[(anonymous.id, "email", "subscribed")], source="sdk")

    kept = customer_merge(merged_away_id=anonymous.id, kept_id=known.id)

    assert kept.consent == {"email": "subscribed"}
    assert history(kept) == [("email", "not_asked", "subscribed", "sdk")]


# --- the demo


def test_the_demo_seeds_mostly_subscribed_customers_with_some_refusals_and_some_never_asked():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())

    customers = list(Customer.objects.filter(external_id__startswith="demo-"))
    email_states = [c.consent.get("email", "not_asked") for c in customers]
    share = {state: email_states.count(state) / len(customers) for state in ("subscribed", "unsubscribed", "not_asked")}
    assert share["subscribed"] > 0.7 and share["unsubscribed"] > 0 and share["not_asked"] > 0
    assert sum(bool(c.phone) for c in customers) / len(customers) > 0.8
    # Set as an SDK would, so the history says where it came from.
    assert set(ConsentChange.objects.values_list("source", flat=True)) == {"sdk"}


def test_demo_sign_ups_send_their_consent_as_identify_traits():
    import random

    from journeys.management.commands.demo_traffic import Shoppers

    shoppers = Shoppers(random.Random(3))
    identifies = [shoppers.sign_up(0.0)[0] for _ in range(50)]

    consents = [message["traits"].get("consent", {}) for message in identifies]
    assert sum(consent.get("email") == "subscribed" for consent in consents) > 30
    assert all(set(consent) <= {"email", "sms"} for consent in consents)


def test_the_profile_api_gives_consent_times_as_iso_8601_like_the_consent_endpoint():
    iso = make_customer(external_id="iso")
    consent_apply(changes=[(iso.id, "email", "subscribed")], source="import", detail="file crm.csv")
    reviewer = logged_in(REVIEWERS)

    profile = reviewer.get(f"/api/customers/{iso.pk}/").json()
    consent = reviewer.get(consent_url("iso")).json()

    [from_profile] = [c["changed_at"] for c in profile["consent"] if c["channel"] == "email"]
    assert from_profile == consent["channels"]["email"]["changed_at"]
    assert "T" in from_profile and " " not in from_profile
