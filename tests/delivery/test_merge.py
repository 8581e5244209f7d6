import pytest
from django.utils import timezone

from journeys.ingest.identity import customer_merge
from journeys.models import InAppMessage, Suppression
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_an_opt_out_and_in_app_messages_survive_a_profile_merge():
    anonymous = make_customer(anonymous_ids=["a1"])
    known = make_customer(external_id="u1")
    Suppression.objects.create(customer=anonymous, channel="email", scope="all", reason="unsubscribe page")
    Suppression.objects.create(customer=anonymous, channel="sms", scope="marketing", reason="link")
    Suppression.objects.create(customer=known, channel="sms", scope="marketing", reason="link")
    InAppMessage.objects.create(customer=anonymous, title="Hi", body="Offer", created_at=timezone.now())

    customer_merge(merged_away_id=anonymous.id, kept_id=known.id)

    assert set(Suppression.objects.values_list("customer_id", "channel", "scope")) == {
        (known.id, "email", "all"),
        (known.id, "sms", "marketing"),
    }
    assert InAppMessage.objects.get().customer_id == known.id
