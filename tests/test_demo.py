import json
import signal
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from journeys import selectors
from journeys.demo import (
    ABANDONED_BASKET,
    DEMO_DIR,
    DEMO_FILES,
    DEMO_JOURNEYS,
    LOYALTY_REWARD,
    MORTGAGE_OFFER,
    OUTAGE_SUPPORT,
    WELCOME_SERIES,
    demo_journeys_seed,
)
from journeys.management.commands.demo_traffic import is_loopback_host
from journeys.management.commands.seed_demo import DEMO_WRITE_KEY
from journeys.management.commands.serve import local_url
from journeys.models import Customer, Delivery, EngineInbox, Enrollment, Event, Journey, SplitAssignment
from journeys.services import journey_create, journey_export, journey_import, journey_validate
from tests.engine.helpers import enrollment_of, path_of, run, send
from tests.factories import make_source


@pytest.fixture
def source(db):
    return make_source()


@pytest.fixture
def journeys(db) -> dict[str, Journey]:
    demo_journeys_seed()
    return {journey.name: journey for journey in Journey.objects.all()}


def run_for(start, seconds: int, *, step: int = 15) -> None:
    """Move the clock from `start` to `start + seconds` in steps, running the engine at each."""
    for offset in range(step, seconds + step, step):
        run(now=start + timedelta(seconds=offset))


def deliveries(journey, external_id: str) -> list[tuple[str, str]]:
    return list(
        Delivery.objects.filter(journey=journey, customer__external_id=external_id)
        .order_by("id")
        .values_list("channel", "node_id")
    )


def days_ago(days: float) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


# --- the definitions

DEMO_PATHS = sorted(DEMO_DIR.glob("*.json"))


def test_every_file_in_the_demo_folder_is_seeded_and_every_seeded_file_is_there():
    assert sorted(path.name for path in DEMO_PATHS) == sorted(DEMO_FILES)


@pytest.mark.parametrize("path", DEMO_PATHS, ids=lambda path: path.name)
def test_each_demo_file_imports_as_the_journey_it_describes_and_validates(db, path):
    data = json.loads(path.read_text(encoding="utf-8"))

    journey = journey_import(data=data)
    result = journey_validate(graph=journey.graph, settings=journey.settings)

    assert result.errors == []
    assert result.warnings == []
    # Nothing is lost or added on the way in: exporting the draft gives the file back.
    assert journey_export(journey=journey) == data


@pytest.mark.parametrize("demo", DEMO_JOURNEYS, ids=lambda demo: demo.name)
def test_each_demo_journey_validates_without_errors_or_warnings(demo):
    result = journey_validate(graph=demo.graph, settings=demo.settings)

    assert result.errors == []
    assert result.warnings == []


@pytest.mark.parametrize("demo", DEMO_JOURNEYS, ids=lambda demo: demo.name)
def test_each_demo_journey_reads_top_to_bottom_with_a_label_on_every_node(demo):
    positions = {node["id"]: (node["position"]["x"], node["position"]["y"]) for node in demo.graph["nodes"]}

    assert all(node["data"]["label"] for node in demo.graph["nodes"])
    assert len(set(positions.values())) == len(positions), "two nodes on top of each other"
    for edge in demo.graph["edges"]:
        assert positions[edge["target"]][1] > positions[edge["source"]][1], f"{edge['id']} does not lead down"


def test_each_demo_description_says_how_long_its_waits_are_when_it_has_any():
    for demo in DEMO_JOURNEYS:
        kinds = {node["data"]["kind"] for node in demo.graph["nodes"]}
        if kinds & {"wait", "wait_for_event"}:
            assert "minute" in demo.description, demo.name


# --- seeding


def test_seeding_twice_creates_each_demo_journey_once_live_at_version_1(db):
    first = demo_journeys_seed()
    second = demo_journeys_seed()

    assert [journey.name for journey in first] == [demo.name for demo in DEMO_JOURNEYS]
    assert second == []
    for demo in DEMO_JOURNEYS:
        journey = Journey.objects.get(name=demo.name)
        assert journey.status == Journey.Status.LIVE
        assert journey.current_version.number == 1
        assert journey.versions.count() == 1
        assert journey.current_version.graph == demo.graph
        assert journey.description == demo.description


def test_a_journey_that_already_has_a_demo_name_is_left_as_it_is(db):
    mine = journey_create(name=WELCOME_SERIES.name, description="my own")

    demo_journeys_seed()

    assert Journey.objects.filter(name=WELCOME_SERIES.name).count() == 1
    mine.refresh_from_db()
    assert mine.status == Journey.Status.DRAFT
    assert mine.description == "my own"
    assert mine.graph == {"nodes": [], "edges": []}


def test_seed_demo_publishes_the_demo_journeys_without_entering_the_old_history_into_them(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    stdout = StringIO()

    call_command("seed_demo", stdout=stdout)
    call_command("seed_demo", stdout=stdout)

    assert "Demo journeys: 5 published, 0 already there" in stdout.getvalue()
    assert "Demo journeys: 0 published, 5 already there" in stdout.getvalue()
    assert set(Journey.objects.filter(status="live").values_list("name", flat=True)) == {
        demo.name for demo in DEMO_JOURNEYS
    }
    assert Journey.objects.get(name=LOYALTY_REWARD.name).created_by.username == "marketer"
    # Four weeks of baskets and orders are history, not customers to remind now.
    assert Event.objects.filter(name="Product Added").exists()
    assert not EngineInbox.objects.exists()
    assert not Enrollment.objects.exists()


# --- each example, end to end through the engine


def test_a_sign_up_gets_the_welcome_email_then_tips_and_an_in_app_nudge(journeys, source):
    journey = journeys[WELCOME_SERIES.name]
    start = timezone.now()
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    assert deliveries(journey, "ada") == [("email", "welcome-email")]

    run_for(start, 6 * 60)

    assert deliveries(journey, "ada") == [
        ("email", "welcome-email"),
        ("email", "tips-email"),
        ("in_app", "nudge-in-app"),
    ]
    assert enrollment_of(journey, "ada").exit_reason == "finished the welcome series"


def test_a_sign_up_who_orders_gets_no_tips_and_counts_as_converted(journeys, source):
    journey = journeys[WELCOME_SERIES.name]
    start = timezone.now()
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()
    send(source, {"userId": "ada", "event": "Order Completed"})
    run()

    run_for(start, 6 * 60)

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.exit_reason == "ordered"
    assert enrollment.converted_at is not None
    assert deliveries(journey, "ada") == [("email", "welcome-email")]


def test_an_abandoned_basket_gets_a_reminder_email_after_the_timeout_then_an_sms(journeys, source):
    journey = journeys[ABANDONED_BASKET.name]
    start = timezone.now()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    run_for(start, 4 * 60)

    assert deliveries(journey, "ada") == []

    run_for(start, 5 * 60 + 30)

    assert deliveries(journey, "ada") == [("email", "reminder-email")]

    run_for(start, 9 * 60)

    assert deliveries(journey, "ada") == [("email", "reminder-email"), ("sms", "reminder-sms")]
    assert enrollment_of(journey, "ada").exit_reason == "sent both reminders"


def test_an_order_after_the_reminder_email_ends_the_basket_journey_before_the_sms(journeys, source):
    journey = journeys[ABANDONED_BASKET.name]
    start = timezone.now()
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    run_for(start, 5 * 60 + 30)  # the email has gone; ada waits for an order

    send(source, {"userId": "ada", "event": "Order Completed"}, received_at=start + timedelta(seconds=5 * 60 + 40))
    run_for(start, 9 * 60)

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.exit_reason == "bought"
    assert enrollment.node_id == "bought-after-email"
    assert enrollment.converted_at is not None
    assert deliveries(journey, "ada") == [("email", "reminder-email")]


def test_every_branch_of_the_basket_journey_fills_and_both_orders_count_as_conversions(journeys, source):
    # The goal used to exit customers on their order before the wait-for-event could take its
    # `matched` port, so both "Bought" branches stayed at 0 whatever customers did.
    journey = journeys[ABANDONED_BASKET.name]
    start = timezone.now()
    send(source, *({"userId": name, "event": "Product Added"} for name in ("quick", "late", "never")))
    run()
    send(source, {"userId": "quick", "event": "Order Completed"})
    run()
    run_for(start, 5 * 60 + 30)  # the email has gone to late and never
    send(source, {"userId": "late", "event": "Order Completed"}, received_at=start + timedelta(seconds=5 * 60 + 40))
    run_for(start, 9 * 60)

    counters = selectors.node_counters(journey.pk)
    assert counters["wait-order"]["passed:matched"] == 1
    assert counters["wait-order"]["passed:timeout"] == 2
    assert counters["wait-order-again"]["passed:matched"] == 1
    assert counters["wait-order-again"]["passed:timeout"] == 1
    for exit_node in ("bought", "bought-after-email", "reminded"):
        assert counters[exit_node]["entered"] == 1, exit_node
    assert {name: enrollment_of(journey, name).node_id for name in ("quick", "late", "never")} == {
        "quick": "bought",
        "late": "bought-after-email",
        "never": "reminded",
    }
    assert enrollment_of(journey, "quick").converted_at is not None
    assert enrollment_of(journey, "late").converted_at is not None
    assert enrollment_of(journey, "never").converted_at is None


def test_a_basket_ordered_at_once_gets_no_reminders_and_the_customer_can_come_back(journeys, source):
    journey = journeys[ABANDONED_BASKET.name]
    send(source, {"userId": "ada", "event": "Product Added"})
    run()
    send(source, {"userId": "ada", "event": "Order Completed"})
    run()

    assert enrollment_of(journey, "ada").status == "exited"
    assert deliveries(journey, "ada") == []

    send(source, {"userId": "ada", "event": "Product Added"})
    run()

    assert Enrollment.objects.filter(journey=journey, status="active").count() == 1


def test_an_outage_in_a_region_sends_a_transactional_email_and_sms_at_once(journeys, source):
    journey = journeys[OUTAGE_SUPPORT.name]
    send(source, {"userId": "ada", "event": "Outage Detected", "properties": {"region": "north"}})
    run()

    assert deliveries(journey, "ada") == [("email", "outage-email"), ("sms", "outage-sms")]
    assert all(d.payload["transactional"] for d in Delivery.objects.filter(journey=journey))
    assert enrollment_of(journey, "ada").exit_reason == "notified about the outage"


def test_an_outage_without_a_region_notifies_nobody_and_a_second_within_the_hour_is_not_repeated(journeys, source):
    journey = journeys[OUTAGE_SUPPORT.name]
    send(source, {"userId": "bob", "event": "Outage Detected"})
    send(source, {"userId": "ada", "event": "Outage Detected", "properties": {"region": "north"}})
    run()
    send(source, {"userId": "ada", "event": "Outage Detected", "properties": {"region": "south"}})
    run()

    assert not Enrollment.objects.filter(journey=journey, customer__external_id="bob").exists()
    assert Enrollment.objects.filter(journey=journey, customer__external_id="ada").count() == 1


def test_the_fifth_order_makes_a_customer_gold_once(journeys, source):
    journey = journeys[LOYALTY_REWARD.name]
    for number in range(1, 5):
        send(source, {"userId": "ada", "event": "Order Completed", "properties": {"order": number}})
        run()

    assert "loyalty_tier" not in Customer.objects.get(external_id="ada").attributes

    for number in (5, 6):
        send(source, {"userId": "ada", "event": "Order Completed", "properties": {"order": number}})
        run()

    assert Customer.objects.get(external_id="ada").attributes == {"loyalty_tier": "gold", "rewards_given": 1}
    assert deliveries(journey, "ada") == [("email", "reward-email")]
    assert Enrollment.objects.filter(journey=journey, customer__external_id="ada").count() == 6
    assert list(Enrollment.objects.filter(journey=journey).order_by("id").values_list("exit_reason", flat=True)) == [
        "fewer than 5 orders or already gold"
    ] * 4 + ["rewarded", "fewer than 5 orders or already gold"]


def mortgage_read(user_id: str, days: float = 0, category: str = "mortgage") -> dict:
    return {
        "userId": user_id,
        "event": "Article Read",
        "properties": {"category": category},
        "timestamp": days_ago(days),
    }


def test_three_mortgage_articles_within_a_week_make_one_offer_through_the_split(journeys, source):
    journey = journeys[MORTGAGE_OFFER.name]
    for days in (6, 2):
        send(source, mortgage_read("ada", days))
        run()

    assert not SplitAssignment.objects.exists()

    send(source, mortgage_read("ada"))
    run()
    send(source, mortgage_read("ada"))  # a fourth read: engaged, but the offer was made
    run()

    assignment = SplitAssignment.objects.get(journey=journey)
    offer_node = {"email": "offer-email", "in-app": "offer-in-app", "control": None}[assignment.variant]
    enrollment = assignment.enrollment
    assert ("offer-split", "passed", assignment.variant) in path_of(enrollment)
    assert list(enrollment.deliveries.values_list("node_id", flat=True)) == ([offer_node] if offer_node else [])
    assert enrollment.exit_reason == ("held out (control)" if offer_node is None else "offer made")
    assert Customer.objects.get(external_id="ada").attributes == {"mortgage_offer": "made"}


def test_old_or_savings_articles_do_not_count_towards_the_mortgage_offer(journeys, source):
    journey = journeys[MORTGAGE_OFFER.name]
    send(source, mortgage_read("ada", 8), mortgage_read("ada", 1, "savings"), mortgage_read("ada", 1, "savings"))
    run()
    send(source, mortgage_read("ada", 1))
    run()
    send(source, mortgage_read("ada"))
    run()

    assert not SplitAssignment.objects.exists()
    assert set(Enrollment.objects.filter(journey=journey).values_list("exit_reason", flat=True)) == {
        "not engaged enough yet, or offered already"
    }


def test_a_loan_application_after_the_offer_counts_as_a_conversion(journeys, source):
    journey = journeys[MORTGAGE_OFFER.name]
    send(source, mortgage_read("ada", 3), mortgage_read("ada", 2))
    send(source, mortgage_read("ada"))
    run()

    send(source, {"userId": "ada", "event": "Loan Application Started"})
    run()

    offered = SplitAssignment.objects.get(journey=journey).enrollment
    offered.refresh_from_db()
    assert offered.converted_at is not None


# --- demo traffic


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"])
def test_loopback_hosts_are_allowed(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["192.0.2.10", "10.0.0.1", "0.0.0.0", "example.com", "localhost.example.com", ""])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback_host(host)


@pytest.mark.parametrize("url", ["http://192.0.2.10:8000", "https://example.com", "http://[2001:db8::1]:8000"])
def test_demo_traffic_refuses_to_send_load_to_a_host_that_is_not_loopback(url):
    with pytest.raises(CommandError, match="not a loopback address"):
        call_command("demo_traffic", "--url", url, "--seconds", "1", stdout=StringIO())


def test_demo_traffic_refuses_a_url_that_is_not_http():
    with pytest.raises(CommandError, match="must be an http"):
        call_command("demo_traffic", "--url", "ftp://127.0.0.1/", "--seconds", "1", stdout=StringIO())


def test_demo_traffic_posts_events_to_a_running_server(live_server):
    source = make_source(write_key=DEMO_WRITE_KEY)
    stdout = StringIO()

    call_command(
        "demo_traffic", "--url", live_server.url, "--seconds", "2", "--rate", "5", "--seed", "1", stdout=stdout
    )

    events = Event.objects.filter(source=source)
    assert events.count() >= 10  # five batches a second for two seconds, at least one event each
    assert events.filter(type="track").exists()
    assert f"Demo traffic stopped: sent {events.count()} events" in stdout.getvalue()


def test_demo_traffic_waits_for_a_server_that_is_not_up_yet_and_stops_on_time(db):
    stdout = StringIO()

    # Port 9 (discard) on loopback: nothing listens, so every connection is refused.
    call_command("demo_traffic", "--url", "http://127.0.0.1:9", "--seconds", "1.5", stdout=stdout)

    assert "Waiting for http://127.0.0.1:9/v1/batch" in stdout.getvalue()
    assert "sent 0 events" in stdout.getvalue()


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_traffic_stops_cleanly_on_a_signal(signal_number):
    process = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "demo_traffic", "--url", "http://127.0.0.1:9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().startswith("Sending demo events")
        process.send_signal(signal_number)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, stderr
    assert "Demo traffic stopped: sent 0 events" in stdout


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("localhost", "http://localhost:8000"),
    ],
)
def test_serve_points_demo_traffic_at_the_server_through_loopback(host, url):
    assert local_url(host, 8000) == url
