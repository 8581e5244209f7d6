"""journey_transition(stop) vs a tick on the same journey: FOR UPDATE on the journey row against the
tick's FOR KEY SHARE (foreign keys of nodestat/delivery rows) while each holds what the other needs."""

import threading
import time

import pytest
from django.db import connection

from journeys import services
from journeys.engine import batch
from journeys.engine.tick import tick
from journeys.models import Customer, Journey
from tests.engine.test_concurrency import two_step_journey
from tests.engine.test_robustness import enroll_customers


@pytest.mark.django_db(transaction=True)
def test_stopping_a_journey_while_a_tick_runs_on_it_does_not_deadlock(monkeypatch):
    journey = two_step_journey()
    enroll_customers(journey, Customer.objects.bulk_create([Customer(external_id=f"c{n}") for n in range(50)]))
    errors = {}
    claimed = threading.Event()
    original_flush = batch.BatchWriter.flush

    def slow_flush(self):
        claimed.set()
        time.sleep(1.0)  # the stop takes the journey row and queues on our enrollments meanwhile
        original_flush(self)

    monkeypatch.setattr(batch.BatchWriter, "flush", slow_flush)

    def ticker():
        try:
            tick()
        except Exception as error:
            errors["tick"] = repr(error)
        finally:
            connection.close()

    def stopper():
        claimed.wait()
        try:
            services.journey_transition(journey=Journey.objects.get(pk=journey.pk), action="stop")
        except Exception as error:
            errors["stop"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ticker), threading.Thread(target=stopper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == {}
