from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from journeys import services
from journeys.models import Enrollment, Journey
from tests.engine.helpers import run, send
from tests.factories import make_customer, make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db

PRO = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}


def audience_journey(mode, **trigger):
    return make_journey(
        graph=make_graph(
            [
                node("t", "audience_trigger", {"condition": PRO, "mode": mode, **trigger}),
                node("w", "wait", {"mode": "duration", "seconds": 3600}),
            ],
            [("t", "next", "w")],
        ),
        settings={"re_entry": {"mode": "after_exit"}},
    )


def inside(journey) -> list[str]:
    return sorted(Enrollment.objects.filter(journey=journey).values_list("customer__external_id", flat=True))


def test_publishing_an_audience_journey_enters_everyone_matching_then(monkeypatch, django_capture_on_commit_callbacks):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # run the queued task here instead of in a worker
    make_customer(external_id="pro1", attributes={"plan": "pro"})
    make_customer(external_id="free1", attributes={"plan": "free"})

    with django_capture_on_commit_callbacks(execute=True):
        journey = audience_journey("at_publish")

    assert inside(journey) == ["pro1"]
    assert Enrollment.objects.get().steps.get(action="entered").reason == "matched the audience"


def test_a_large_audience_is_entered_page_by_page(monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 3)
    for n in range(7):
        make_customer(external_id=f"pro{n}", attributes={"plan": "pro"})
    journey = audience_journey("at_publish")

    assert services.audience_enroll(journey.pk) == 7
    assert len(inside(journey)) == 7


def test_on_change_enters_customers_who_come_to_match_later():
    source = make_source()
    journey = audience_journey("on_change")
    send(source, {"type": "identify", "userId": "ada", "traits": {"plan": "free"}})
    run()
    assert inside(journey) == []

    send(source, {"type": "identify", "userId": "ada", "traits": {"plan": "pro"}})
    run()

    assert inside(journey) == ["ada"]


def test_a_scheduled_audience_runs_when_due_and_plans_the_next_run():
    make_customer(external_id="pro1", attributes={"plan": "pro"})
    journey = audience_journey("schedule", schedule={"every": "day", "time": "09:00", "timezone": "UTC"})
    planned = Journey.objects.get(pk=journey.pk).next_audience_run_at
    assert planned.timetz().replace(tzinfo=None).isoformat() == "09:00:00"
    assert inside(journey) == []

    entered = services.audiences_run_due(now=planned + timedelta(seconds=5))

    assert entered == 1
    assert inside(journey) == ["pro1"]
    assert Journey.objects.get(pk=journey.pk).next_audience_run_at == planned + timedelta(days=1)


def test_a_scheduled_audience_does_nothing_before_its_time():
    make_customer(external_id="pro1", attributes={"plan": "pro"})
    audience_journey("schedule", schedule={"every": "day", "time": "09:00", "timezone": "UTC"})

    assert services.audiences_run_due(now=datetime(2000, 1, 1, tzinfo=UTC)) == 0


def test_a_paused_journey_takes_no_audience():
    make_customer(external_id="pro1", attributes={"plan": "pro"})
    journey = audience_journey("at_publish")
    services.journey_transition(journey=journey, action="pause")

    assert services.audience_enroll(journey.pk, now=timezone.now()) == 0


def test_a_csv_import_enters_customers_who_come_to_match(tmp_path):
    from django.core.management import call_command

    journey = audience_journey("on_change")
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text("external_id,plan\nimported-pro,pro\nimported-free,free\n")

    call_command("import_customers", str(csv_file))

    assert inside(journey) == ["imported-pro"]


def test_an_admin_edit_enters_a_customer_who_comes_to_match(admin_client):
    journey = audience_journey("on_change")
    customer = make_customer(external_id="edited", attributes={"plan": "free"})

    response = admin_client.post(
        f"/admin/journeys/customer/{customer.pk}/change/",
        {
            "external_id": "edited",
            "email": "",
            "phone": "",
            "timezone": "",
            "consent": "{}",
            "attributes": '{"plan": "pro"}',
            "anonymous_ids-TOTAL_FORMS": "0",
            "anonymous_ids-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert inside(journey) == ["edited"]
