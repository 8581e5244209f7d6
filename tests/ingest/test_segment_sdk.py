"""The official Segment Python SDK, unchanged but for its host and write key, against our server."""

import pytest
from segment.analytics import Client

from journeys.models import Customer, Event
from tests.factories import make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("gzip", [False, True])
def test_the_segment_sdk_sends_every_call_type_and_they_are_stored(live_server, gzip):
    make_source(write_key="sdk-key")
    failures = []
    sdk = Client(
        write_key="sdk-key",
        host=live_server.url,
        sync_mode=True,  # send on each call, so the test knows when it is done
        gzip=gzip,
        on_error=lambda error, batch: failures.append(error),
        max_retries=0,
    )

    sdk.identify("ada", {"email": "ada@example.com", "plan": "pro"})
    sdk.track("ada", "Order Completed", {"total": 42.5, "currency": "EUR"})
    sdk.page("ada", category="Docs", name="Pricing", properties={"path": "/pricing"})
    sdk.screen("ada", name="Home")
    sdk.group("ada", "acme", {"employees": 40})
    sdk.track(anonymous_id="visitor-1", event="Product Viewed")
    sdk.alias("visitor-1", "ada")
    sdk.flush()

    assert failures == []
    assert sorted(Event.objects.values_list("type", flat=True)) == sorted(
        ["identify", "track", "page", "screen", "group", "track", "alias"]
    )
    customer = Customer.objects.get(external_id="ada")
    assert customer.email == "ada@example.com"
    assert customer.events.count() == 7  # the anonymous visitor was merged in by the alias
    assert Event.objects.get(name="Order Completed").properties == {"total": 42.5, "currency": "EUR"}
