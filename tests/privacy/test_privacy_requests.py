"""Privacy requests: export, delete and suppress, anonymise; through the API, admin and the task queue."""

import base64
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.test import APIClient

from journeys.models import (
    AnonymousId,
    AuditEntry,
    ConsentChange,
    Customer,
    Delivery,
    Enrollment,
    Event,
    ExperimentExposure,
    Journey,
    NodeStat,
    PrivacyExport,
    PrivacyRequest,
    SplitAssignment,
    Step,
    SuppressedIdentity,
)
from journeys.privacy import services
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.delivery.helpers import send_all
from tests.engine.helpers import run, send
from tests.factories import make_customer, make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.django_db
WRITE_KEY = "privacy-write-key"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def source():
    return make_source(write_key=WRITE_KEY)


def api(role):
    client = APIClient()
    client.force_authenticate(make_user(role=role))
    return client


def split_journey():
    """Signed Up -> 50/50 split -> email on either arm: exposures, steps and deliveries for each customer."""
    graph = make_graph(
        [
            node("t", "event_trigger", {"event": "Signed Up"}),
            node("s", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}),
            node("a", "send_email", {"subject": "Hi A", "body": "Hello {{ customer.first_name }}"}),
            node("b", "send_email", {"subject": "Hi B", "body": "Hello {{ customer.first_name }}"}),
        ],
        [("t", "next", "s"), ("s", "A", "a"), ("s", "B", "b")],
    )
    return make_journey(graph=graph)


def populated(source, external_id="ada", email="ada@example.com"):
    """A customer with an anonymous id, events, a journey path with a split, and a sent email."""
    if not Journey.objects.exists():
        split_journey()
    make_customer(
        external_id=external_id,
        email=email,
        phone="+44 20 7946 0000",
        anonymous_ids=[f"anon-{external_id}"],
        consent={"email": True},
        attributes={"first_name": "Ada", "city": "London"},
    )
    send(source, {"userId": external_id, "event": "Product Viewed", "properties": {"sku": "rain-jacket"}})
    send(source, {"userId": external_id, "event": "Signed Up"})
    run()
    send_all()
    return Customer.objects.get(external_id=external_id)


def make_request(kind: str, external_id: str) -> PrivacyRequest:
    return services.privacy_request_create(kind=kind, external_id=external_id)


def test_only_admins_make_and_read_privacy_requests(source):
    populated(source)
    for role in (MARKETERS, REVIEWERS):
        client = api(role)
        assert client.get("/api/privacy-requests/").status_code == 403
        assert client.post("/api/privacy-requests/", {"kind": "export", "customer_id": "ada"}).status_code == 403
    assert APIClient().get("/api/privacy-requests/").status_code in (401, 403)
    assert Client().get("/api/privacy-requests/").status_code in (401, 403)


def test_an_admins_request_is_queued_for_the_cluster_and_keeps_no_personal_data(
    source, django_capture_on_commit_callbacks
):
    populated(source)
    admin = api(ADMINS)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/api/privacy-requests/", {"kind": "delete", "customer_id": "ada", "note": "ticket 1234"}, format="json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert OrmQ.objects.count() == 1  # the task waits for the django-q2 cluster

    request = PrivacyRequest.objects.get()
    stored = " ".join(str(getattr(request, f.attname)) for f in PrivacyRequest._meta.concrete_fields)
    assert "ada" not in stored.replace("ada@", "") and "ada@example.com" not in stored and "London" not in stored
    entry = AuditEntry.objects.get(action="privacy.request")
    assert entry.diff == {"kind": "delete", "note": "ticket 1234"} and "ada" not in entry.object_repr
    assert admin.post("/api/privacy-requests/", {"kind": "delete", "customer_id": "nobody"}).status_code == 404
    assert admin.post("/api/privacy-requests/", {"kind": "shred", "customer_id": "ada"}).status_code == 400


def test_export_holds_everything_and_only_admins_download_it_for_seven_days(source):
    customer = populated(source)
    request = make_request("export", "ada")

    done = services.privacy_request_run(request.pk)

    assert done.status == "done"
    response = api(ADMINS).get(f"/api/privacy-requests/{request.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document = response.json()
    assert document["profile"]["email"] == "ada@example.com"
    assert document["profile"]["attributes"]["city"] == "London"
    assert document["identities"]["anonymous_ids"] == ["anon-ada"]
    assert [e["name"] for e in document["events"]] == ["Product Viewed", "Signed Up"]
    [journey] = document["journeys"]
    assert [step["node"] for step in journey["path"]][:2] == ["t", "s"]
    assert all(step["reason"] for step in journey["path"])
    assert document["messages"][0]["status"] == "sent"
    assert document["experiment_exposures"][0]["variant"] in ("A", "B")
    assert done.counts["events"] == 2
    assert api(MARKETERS).get(f"/api/privacy-requests/{request.pk}/export/").status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()  # an export changes nothing

    assert services.exports_expire(now=timezone.now() + services.EXPORT_KEPT) == 1
    assert api(ADMINS).get(f"/api/privacy-requests/{request.pk}/export/").status_code == 404


def test_delete_erases_the_customer_everywhere_and_leaves_others_and_counters_alone(source):
    ada, bob = populated(source), populated(source, external_id="bob", email="bob@example.com")
    counters_before = list(NodeStat.objects.order_by("id").values_list("node_id", "metric", "value"))
    assert counters_before
    request = make_request("delete", "ada")

    done = services.privacy_request_run(request.pk)

    assert done.status == "done" and done.counts["events"] == 2 and done.counts["profile"] == 1
    for model, field in [
        (Customer, "id"),
        (Event, "customer_id"),
        (Enrollment, "customer_id"),
        (Step, "customer_id"),
        (Delivery, "customer_id"),
        (SplitAssignment, "customer_id"),
        (ExperimentExposure, "customer_id"),
        (AnonymousId, "customer_id"),
    ]:
        assert not model.objects.filter(**{field: ada.pk}).exists(), model.__name__
        assert model.objects.filter(**{field: bob.pk}).exists(), model.__name__
    assert list(NodeStat.objects.order_by("id").values_list("node_id", "metric", "value")) == counters_before
    assert SuppressedIdentity.objects.count() == 4  # user id, email, phone, anonymous id


def test_a_deleted_customer_who_sends_again_is_dropped_and_counted(source):
    populated(source)
    services.privacy_request_run(make_request("delete", "ada").pk)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}

    response = client.post(
        "/v1/track", {"userId": "ada", "event": "Signed Up"}, content_type="application/json", **auth
    )
    # The same email under a new user id, through identify: also the same person.
    client.post(
        "/v1/identify",
        {"userId": "ada-2", "traits": {"email": " ADA@example.com "}},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 200  # SDKs must not retry forever
    assert not Customer.objects.filter(external_id__in=["ada", "ada-2"]).exists()
    dropped = dict(SuppressedIdentity.objects.values_list("kind", "dropped_events"))
    assert dropped["user_id"] == 1 and dropped["email"] == 1


def test_the_answer_for_a_deleted_customer_is_the_answer_anyone_gets(source):
    """A write key is public: /v1's answer must not tell who asked to be erased, even on a resend."""
    populated(source)
    services.privacy_request_run(make_request("delete", "ada").pk)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}

    def answers(user_id):
        track = {"userId": user_id, "event": "Signed Up", "messageId": f"m-{user_id}"}
        batch = {"batch": [dict(track, type="track"), dict(track, type="track", messageId=f"n-{user_id}")]}
        return [
            client.post("/v1/track", track, content_type="application/json", **auth).json(),
            client.post("/v1/track", track, content_type="application/json", **auth).json(),  # resent
            client.post("/v1/batch", batch, content_type="application/json", **auth).json(),
        ]

    assert answers("ada") == answers("someone-else")
    assert answers("ada")[0] == {"success": True, "accepted": 0, "duplicates": 1, "rejected": []}
    assert not Customer.objects.filter(external_id="ada").exists()
    assert SuppressedIdentity.objects.get(kind="user_id").dropped_events == 8  # two rounds of four


def test_a_suppressed_anonymous_id_is_never_merged_into_another_profile(source):
    populated(source)
    services.privacy_request_run(make_request("delete", "ada").pk)
    make_customer(external_id="carol")

    send(source, {"userId": "carol", "anonymousId": "anon-ada", "event": "Product Viewed"})
    send(source, {"type": "alias", "userId": "carol", "previousId": "anon-ada"})

    assert not AnonymousId.objects.filter(anonymous_id="anon-ada").exists()
    assert not Event.objects.filter(customer__external_id="carol").exists()
    assert SuppressedIdentity.objects.get(kind="anonymous_id").dropped_events == 2


def test_a_csv_import_does_not_bring_a_deleted_customer_back(source, tmp_path):
    populated(source)
    services.privacy_request_run(make_request("delete", "ada").pk)
    csv = tmp_path / "customers.csv"
    csv.write_text("external_id,email\nada,\nnew-id,ada@example.com\ndan,dan@example.com\n")

    call_command("import_customers", str(csv), stdout=io.StringIO())

    assert list(Customer.objects.values_list("external_id", flat=True)) == ["dan"]


def test_anonymise_keeps_aggregates_and_experiment_results_but_nothing_identifying(source):
    ada = populated(source)
    exposures_before = list(ExperimentExposure.objects.values_list("customer_id", "variant"))
    request = make_request("anonymise", "ada")

    done = services.privacy_request_run(request.pk)

    assert done.status == "done"
    ada.refresh_from_db()
    assert (ada.external_id, ada.email, ada.phone, ada.attributes) == (None, "", "", {})
    assert set(ada.consent.values()) == {"unsubscribed"}
    assert not ConsentChange.objects.filter(customer=ada).exists()
    assert not AnonymousId.objects.filter(customer=ada).exists()
    assert sorted(Event.objects.filter(customer=ada).values_list("name", flat=True)) == ["Product Viewed", "Signed Up"]
    assert not Event.objects.filter(customer=ada).exclude(properties={}).exists()
    assert list(ExperimentExposure.objects.values_list("customer_id", "variant")) == exposures_before
    assert not Delivery.objects.filter(customer=ada).exclude(recipient="").exists()
    assert not Step.objects.filter(customer_id=ada.pk).exclude(reason="(anonymised)").exists()
    assert "trigger" not in Enrollment.objects.get(customer=ada).context


def test_every_table_that_points_at_a_customer_is_erased_by_a_delete():
    """A new per-customer table must be added to the delete, or deleted customers linger in it."""
    pointing = set()
    for model in apps.get_app_config("journeys").get_models():
        for field in model._meta.concrete_fields:
            to_customer = isinstance(field, models.ForeignKey) and field.related_model is Customer
            if to_customer or field.name == "customer_id":
                pointing.add(model._meta.db_table)
    assert pointing - services.ERASED_TABLES == set()


def test_a_failed_request_says_why_and_can_run_again(source, monkeypatch):
    populated(source)
    request = make_request("delete", "ada")

    def broken(customer_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "customer_erase", broken)
    with pytest.raises(RuntimeError):
        services.privacy_request_run(request.pk)
    request.refresh_from_db()
    assert request.status == "failed" and "disk full" in request.error

    monkeypatch.undo()
    assert services.privacy_request_run(request.pk).status == "done"
    assert not Customer.objects.filter(external_id="ada").exists()


def test_admins_make_a_request_from_the_admin_form(source, django_capture_on_commit_callbacks):
    populated(source)
    client = Client()
    client.force_login(make_user(role=ADMINS, is_staff=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/journeys/privacyrequest/add/", {"kind": "export", "customer_id": "ada", "note": "DSR-7"}
        )
    missing = client.post("/admin/journeys/privacyrequest/add/", {"kind": "export", "customer_id": "zed"})

    assert response.status_code == 302, response.content[:2000]
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.note, request.status) == ("export", "DSR-7", "queued")
    assert OrmQ.objects.count() == 1
    assert b"No customer has this id" in missing.content
    assert client.get(f"/admin/journeys/privacyrequest/{request.pk}/change/").status_code == 200
    assert PrivacyExport.objects.count() == 0
