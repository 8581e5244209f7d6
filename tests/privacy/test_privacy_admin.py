"""Privacy requests in Django admin: downloading a finished export, confirming a delete (walk #9)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from journeys.models import Customer, PrivacyExport, PrivacyRequest
from journeys.privacy import services
from journeys.roles import ADMINS
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user(role=ADMINS, is_staff=True))
    return client


def test_a_done_export_links_to_its_download_until_it_expires(admin_client):
    make_customer(external_id="ada", email="ada@example.com")
    request = services.privacy_request_create(kind="export", external_id="ada")
    change_url = f"/admin/journeys/privacyrequest/{request.pk}/change/"

    assert "Download export" not in admin_client.get(change_url).content.decode()  # queued: nothing yet

    services.privacy_request_run(request.pk)
    page = admin_client.get(change_url).content.decode()

    link = f'href="/api/privacy-requests/{request.pk}/export/"'
    assert link in page and "available 7 more days" in page
    download = admin_client.get(f"/api/privacy-requests/{request.pk}/export/")  # the admin's session is enough
    assert download.status_code == 200 and download.json()["profile"]["email"] == "ada@example.com"

    PrivacyExport.objects.filter(request=request).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = admin_client.get(change_url).content.decode()
    assert link not in page and "Expired" in page


def test_a_delete_request_needs_the_confirmation_ticked(admin_client):
    make_customer(external_id="ada")

    unconfirmed = admin_client.post("/admin/journeys/privacyrequest/add/", {"kind": "delete", "customer_id": "ada"})

    assert unconfirmed.status_code == 200
    assert "I understand this erases the customer" in unconfirmed.content.decode()
    assert not PrivacyRequest.objects.exists()

    confirmed = admin_client.post(
        "/admin/journeys/privacyrequest/add/", {"kind": "delete", "customer_id": "ada", "confirm_delete": "on"}
    )
    assert confirmed.status_code == 302
    assert PrivacyRequest.objects.get().kind == "delete"
    assert Customer.objects.filter(external_id="ada").exists()  # runs in the background, after commit


def test_an_export_needs_no_delete_confirmation(admin_client):
    make_customer(external_id="ada")

    response = admin_client.post("/admin/journeys/privacyrequest/add/", {"kind": "export", "customer_id": "ada"})

    assert response.status_code == 302 and PrivacyRequest.objects.get().kind == "export"
