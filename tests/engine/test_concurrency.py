"""Several workers at once, and a worker that dies mid-batch."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from journeys.engine.tick import tick
from journeys.models import Customer, Delivery, Enrollment, Step
from tests.engine.test_robustness import enroll_customers
from tests.factories import database_url, make_graph, make_journey, node

ROOT = Path(__file__).resolve().parents[2]


def two_step_journey():
    return make_journey(
        graph=make_graph(
            [
                node("t", "api_trigger"),
                node(
                    "u",
                    "update_attribute",
                    {"changes": [{"attribute": "visits", "operation": "increment", "value": 1}]},
                ),
                node("m", "send_email", {"subject": "Hello", "body": "b"}),
            ],
            [("t", "next", "u"), ("u", "next", "m")],
        )
    )


def assert_each_customer_processed_exactly_once(count):
    assert Enrollment.objects.filter(status="exited").count() == count
    assert Delivery.objects.count() == count
    assert Step.objects.filter(action="exited").count() == count
    assert Customer.objects.exclude(attributes={"visits": 1}).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_the_same_journey_process_every_customer_once():
    journey = two_step_journey()
    enroll_customers(journey, Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(2000)]))
    claimed = []

    def worker():
        try:
            while result := tick(batch_size=100):
                if not result.claimed:
                    break
                claimed.append(result.claimed)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(claimed) == 2000
    assert_each_customer_processed_exactly_once(2000)


KILLABLE_WORKER = """
import sys, time
import django
django.setup()
from journeys.engine import batch
from journeys.engine.tick import tick

original_flush = batch.BatchWriter.flush

def flush_then_hang(self):
    original_flush(self)
    print("FLUSHED", flush=True)  # everything written, nothing committed
    time.sleep(60)

batch.BatchWriter.flush = flush_then_hang
tick(batch_size=300)
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_no_duplicate_delivery_and_loses_no_customer():
    journey = two_step_journey()
    enroll_customers(journey, Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(500)]))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cjo_site.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout.readline().strip() == "FLUSHED"
        # While the doomed worker holds its 300 rows, another worker takes only the other 200.
        assert tick(batch_size=1000).claimed == 200
        worker.kill()
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    deadline = timezone.now() + timezone.timedelta(seconds=10)
    while tick(batch_size=1000).claimed == 0 and timezone.now() < deadline:
        pass  # the server notices the dead connection and releases its locks
    while tick(batch_size=1000).claimed:
        pass

    assert_each_customer_processed_exactly_once(500)
