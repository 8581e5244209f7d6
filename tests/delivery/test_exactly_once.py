"""A worker killed mid-batch: nothing lost, and a provider honouring idempotency keys sees no duplicate."""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from journeys.delivery import deliveries_send
from journeys.models import Customer, Delivery
from tests.delivery.helpers import message_journey
from tests.delivery.peers import HttpPeer
from tests.engine.helpers import run, send

ROOT = Path(__file__).resolve().parents[2]
COUNT = 400

WORKER = """
import django
django.setup()
from journeys.delivery import deliveries_send
deliveries_send(limit=10_000)
print("FINISHED", flush=True)
"""


def slow_ok(body: bytes) -> bytes:
    time.sleep(0.01)  # a provider taking its time, so the kill lands mid-batch
    return b'{"ok": true}'


def database_url() -> str:
    db = connection.settings_dict
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{db['USER']}@{quote(db['HOST'] or 'localhost', safe='')}{port}/{db['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_a_worker_mid_batch_loses_nothing_and_duplicates_nothing(source, settings):
    settings.DELIVERY_LEASE_SECONDS = 30
    Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(COUNT)])
    with HttpPeer(responses=[(200, slow_ok)], honour_idempotency=True) as provider:
        message_journey("send_webhook", {"url": provider.url})
        for start in range(0, COUNT, 100):
            send(source, *[{"userId": f"c{n}", "event": "Signed Up"} for n in range(start, start + 100)])
        run()
        assert Delivery.objects.filter(status="queued").count() == COUNT
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cjo_site.settings",
            "DATABASE_URL": database_url(),
            "DEBUG": "1",
            "DELIVERY_RATE_LIMITS": "",
            "DELIVERY_LEASE_SECONDS": "30",
            "WEBHOOK_ALLOWLIST": "127.0.0.1",
            "WEBHOOK_SIGNING_SECRET": "test-signing-secret",
        }
        worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while len(provider.requests) < COUNT // 3 and time.monotonic() < deadline:
                time.sleep(0.005)
            worker.kill()
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert "FINISHED" not in worker.stdout.read(), "the worker finished before it was killed"

        at_kill = Counter(Delivery.objects.values_list("status", flat=True))
        marked_sent_before = set(Delivery.objects.filter(status="sent").values_list("id", flat=True))
        assert at_kill["sending"] > 0, at_kill  # the dead worker's rows are still claimed

        # A row claimed by the dead worker is left alone while its lease runs...
        assert deliveries_send(limit=10_000) == 0
        # ...and sent again once the lease is over (the clock moves instead of the test sleeping).
        later = timezone.now() + timedelta(seconds=31)
        while deliveries_send(limit=10_000, now=later):
            pass

    keys = Counter(request.headers["Idempotency-Key"] for request in provider.requests)
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {"sent": COUNT}
    assert len(provider.accepted_keys) == COUNT  # every delivery reached the provider: none lost
    assert set(keys) == {f"cjo-delivery-{pk}" for pk in Delivery.objects.values_list("id", flat=True)}
    repeated = {key for key, count in keys.items() if count > 1}
    # Only rows the dead worker had sent but not yet recorded were sent again, with their key, so
    # the provider answered them as repeats and acted once; rows recorded as sent never went twice.
    assert all(keys[f"cjo-delivery-{pk}"] == 1 for pk in marked_sent_before)
    assert len(repeated) <= at_kill["sending"]
    assert max(Delivery.objects.values_list("attempts", flat=True)) <= 2
    print(f"at the kill: {dict(at_kill)}; sent again as repeats: {len(repeated)}")
