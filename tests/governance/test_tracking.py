"""What the audit log records across the app: journeys, users and roles, tokens, write keys,
templates, experiment decisions, consent changed by staff, admin actions, exports."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from journeys import roles
from journeys.delivery.services import opt_out
from journeys.governance.context import Actor, acting
from journeys.models import ApiToken, AuditEntry, Customer, Suppression
from tests.factories import make_api_token, make_customer, make_source, make_user
from tests.governance.helpers import person, small_graph

pytestmark = pytest.mark.django_db


def entries(action: str, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def as_request_user(user):
    request = type("Request", (), {"user": user, "auth": None})()
    return acting(Actor(request=request, interface="admin", ip="127.0.0.1"))


def test_journey_create_and_edit_through_the_api_say_who_from_where_and_what_changed():
    user, client = person(roles.MARKETERS, username="mia")
    created = client.post(
        "/api/journeys/", {"name": "Welcome", "graph": small_graph()}, content_type="application/json"
    )
    journey_id = str(created.json()["id"])
    client.patch(
        f"/api/journeys/{journey_id}/",
        {"name": "Welcome 2", "graph": small_graph("Hi")},
        content_type="application/json",
    )
    (create,) = entries("journey.create", object_id=journey_id)
    assert (create.actor, create.actor_id, create.interface, create.ip) == ("mia", user.pk, "api", "127.0.0.1")
    (edit,) = entries("journey.edit", object_id=journey_id)
    assert edit.diff["name"] == ["Welcome", "Welcome 2"]
    assert edit.diff["graph"]["nodes"] == {"changed": 1} and edit.diff["graph"]["node_ids"] == ["email"]


def test_an_api_token_is_named_by_its_first_characters_only():
    user = make_user(role=roles.MARKETERS, username="bot")
    key = make_api_token(user)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    created = client.post("/api/journeys/", {"name": "By token"}, content_type="application/json")
    (entry,) = entries("journey.create", object_id=str(created.json()["id"]))
    assert entry.actor == "bot" and entry.token == key[:8]


def test_tokens_are_recorded_without_their_key_or_digest():
    user = make_user(username="integrator")
    key = make_api_token(user)
    token = ApiToken.objects.get(user=user)
    digest = token.digest
    token.delete()
    recorded = entries("token.create", object_id=str(user.pk)) + entries("token.delete", object_id=str(user.pk))
    assert len(recorded) == 2
    assert all(e.object_repr == f"API token {key[:8]}… of integrator" for e in recorded)
    text = json.dumps([[e.diff, e.object_repr, e.object_id] for e in recorded])
    assert key[8:] not in text and digest not in text


def test_users_passwords_and_roles_are_recorded_and_passwords_hidden():
    admin = make_user(role=roles.ADMINS, username="root")
    with as_request_user(admin):
        user = make_user(username="newbie", password="first")
        user.set_password("second-secret")
        user.save()
        user.groups.add(Group.objects.get_or_create(name=roles.REVIEWERS)[0])
        user.groups.remove(Group.objects.get(name=roles.REVIEWERS))
    (change,) = entries("user.change", object_id=str(user.pk))
    assert change.diff["password"] == ["(hidden)", "(changed)"] and change.actor == "root"
    role_entries = entries("user.roles", object_id=str(user.pk))
    assert [e.diff for e in role_entries][-2:] == [{"added": [roles.REVIEWERS]}, {"removed": [roles.REVIEWERS]}]
    assert "second-secret" not in json.dumps([e.diff for e in AuditEntry.objects.filter(object_id=str(user.pk))])


def test_giving_a_user_a_role_they_already_have_is_not_an_audit_entry():
    # `make run` re-applies the demo users' roles at every start: no change, nothing to record.
    reviewers = Group.objects.get_or_create(name=roles.REVIEWERS)[0]
    user = make_user(username="steady")
    user.groups.add(reviewers)
    before = len(entries("user.roles", object_id=str(user.pk)))
    user.groups.add(reviewers)
    reviewers.user_set.add(user)
    admins = Group.objects.get_or_create(name=roles.ADMINS)[0]
    user.groups.remove(admins)
    admins.user_set.remove(user)
    assert len(entries("user.roles", object_id=str(user.pk))) == before
    # A remove of one held and one not names only the one held.
    user.groups.remove(reviewers, admins)
    assert entries("user.roles", object_id=str(user.pk))[-1].diff == {"removed": [roles.REVIEWERS]}


def test_a_login_alone_is_not_an_audit_entry():
    user = make_user(username="visitor", password="pw")
    before = AuditEntry.objects.filter(object_type="auth.user", object_id=str(user.pk)).count()
    signed_in = Client().post("/login/", {"username": "visitor", "password": "pw"})
    assert signed_in.status_code == 302
    assert AuditEntry.objects.filter(object_type="auth.user", object_id=str(user.pk)).count() == before


def test_rotating_a_write_key_in_the_admin_is_recorded_without_the_key():
    superuser = make_user(username="boss", is_staff=True, is_superuser=True)
    source = make_source(name="Website")
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/journeys/source/", {"action": "rotate_write_key", "_selected_action": [source.pk]}, follow=True
    )
    assert response.status_code == 200
    (rotated,) = entries("source.change", object_id=str(source.pk))
    assert rotated.interface == "admin" and rotated.actor == "boss"
    assert rotated.diff["write_key_hash"] == ["(hidden)", "(changed)"]


def test_django_admin_changes_are_recorded_with_the_admin_message():
    superuser = make_user(username="boss", is_staff=True, is_superuser=True)
    customer = make_customer(external_id="c-1")
    client = Client()
    client.force_login(superuser)
    response = client.post(f"/admin/journeys/customer/{customer.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200 and not Customer.objects.filter(pk=customer.pk).exists()
    (deleted,) = entries("admin.delete", object_type="journeys.customer", object_id=str(customer.pk))
    assert deleted.actor == "boss" and deleted.interface == "admin"


def test_templates_created_through_the_api_are_recorded():
    _, client = person(roles.MARKETERS)
    response = client.post(
        "/api/templates/",
        {"name": "Hello", "channel": "email", "subject": "Hi", "text": "Hello"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    (entry,) = entries("template.create", object_id=str(response.json()["id"]))
    assert entry.diff["subject"] == [None, "Hi"]


def test_consent_changed_by_staff_is_recorded_but_a_customers_own_unsubscribe_is_not():
    staff = make_user(role=roles.ADMINS, username="support")
    customer = make_customer(external_id="c-2")
    opt_out(customer, "email", Suppression.Scope.MARKETING, "unsubscribe link")
    assert entries("consent.create") == []
    with as_request_user(staff):
        opt_out(customer, "sms", Suppression.Scope.ALL, "asked the support desk")
    (entry,) = entries("consent.create")
    assert entry.actor == "support" and entry.diff["channel"] == [None, "sms"]


def test_exporting_a_journey_is_recorded():
    _, client = person(roles.MARKETERS, username="exporter")
    journey_id = client.post("/api/journeys/", {"name": "To export"}, content_type="application/json").json()["id"]
    client.get(f"/api/journeys/{journey_id}/export/")
    (entry,) = entries("journey.export", object_id=str(journey_id))
    assert entry.actor == "exporter"


def test_experiment_decisions_are_recorded_with_who_decided():
    from journeys.experiments import services as experiments
    from tests.experiments.helpers import experiment_journey

    journey = experiment_journey()
    experiment = experiments.experiment_get_or_create(journey=journey, node_id="s")
    reviewer = make_user(role=roles.REVIEWERS, username="judge")
    decision = experiments.experiment_decide(experiment=experiment, kind="winner", variant="B", user=reviewer)
    (entry,) = entries("experiment_decision.create", object_id=str(decision.pk))
    assert entry.actor == "judge" and entry.diff["variant"] == [None, "B"]


def test_a_report_csv_export_is_recorded():
    from django.urls import reverse

    from tests.reports.helpers import populated_journey

    journey, *_ = populated_journey(customers=6, buyers=2)
    _, client = person(roles.REVIEWERS, username="analyst")
    url = reverse("reports:experiment", args=[journey.pk, "s"]) + "?format=csv&table=variants"
    assert client.get(url).status_code == 200
    (entry,) = entries("report.export")
    assert entry.actor == "analyst" and entry.diff["table"] == "variants"


def test_repeated_failed_sign_ins_pause_that_account_from_that_address(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user(username="target", password="right-password-1")
    make_user(username="colleague", password="right-password-2")
    browser = Client(REMOTE_ADDR="203.0.113.7")

    failures = [browser.post("/login/", {"username": "target", "password": f"guess-{n}"}).status_code for n in range(3)]
    locked = browser.post("/login/", {"username": "target", "password": "right-password-1"})
    other_account = Client(REMOTE_ADDR="203.0.113.7").post(
        "/login/", {"username": "colleague", "password": "right-password-2"}
    )
    elsewhere = Client(REMOTE_ADDR="198.51.100.9").post(
        "/login/", {"username": "target", "password": "right-password-1"}
    )

    assert failures[:2] == [200, 200]  # the form again, with its error
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in browser.session
    assert other_account.status_code == 302  # only that account, from that address
    assert elsewhere.status_code == 302
