from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.delivery import net
from journeys.models import Delivery, Enrollment, NodeStat
from tests.delivery.helpers import delivery_of, enter, message_journey, send_all
from tests.delivery.peers import HttpPeer
from tests.engine.helpers import enrollment_of, path_of, run
from tests.factories import make_customer, node

pytestmark = pytest.mark.django_db


def test_the_receiver_verifies_the_signature_over_timestamp_and_body(source):
    make_customer(external_id="ada", email="ada@example.com", attributes={"plan": "pro"})
    with HttpPeer() as receiver:
        message_journey(
            "send_webhook",
            {"url": f"{receiver.url}/hooks/crm", "body": {"user": "{{ customer.id }}", "plan": "{{ customer.plan }}"}},
        )
        enter(source, "ada")
        send_all()

    [request] = receiver.requests
    headers = request.headers
    assert request.path == "/hooks/crm"
    assert net.verify("test-signing-secret", headers["X-CJO-Timestamp"], request.body, headers["X-CJO-Signature"])
    assert not net.verify("another-secret", headers["X-CJO-Timestamp"], request.body, headers["X-CJO-Signature"])
    assert not net.verify(
        "test-signing-secret", headers["X-CJO-Timestamp"], request.body + b" ", headers["X-CJO-Signature"]
    )
    delivery = delivery_of("ada")
    assert headers["Idempotency-Key"] == f"cjo-delivery-{delivery.id}"
    assert request.json() == {"user": "ada", "plan": "pro"}
    assert delivery.status == "sent"


def test_without_a_body_the_webhook_sends_the_customer_and_the_trigger_event(source):
    make_customer(external_id="ada", email="ada@example.com")
    with HttpPeer() as receiver:
        journey = message_journey("send_webhook", {"url": receiver.url})
        enter(source, "ada", properties={"plan": "pro"})
        send_all()

    body = receiver.requests[0].json()
    assert body["customer"]["id"] == "ada" and body["customer"]["email"] == "ada@example.com"
    assert body["journey"] == {"id": journey.id, "name": journey.name}
    assert body["event"] == {"name": "Signed Up", "properties": {"plan": "pro"}}


def test_a_body_holding_a_number_beyond_64_bits_is_sent_exactly(source):
    # The node's body comes back from jsonb with 1e20 as an int beyond 64 bits, which orjson refuses.
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        message_journey("send_webhook", {"url": receiver.url, "body": {"user": "{{ customer.id }}", "big": 10**20}})
        enter(source, "ada")
        send_all()

    assert receiver.requests[0].json() == {"user": "ada", "big": 10**20}
    assert delivery_of("ada").status == "sent"


def test_a_503_is_retried_with_exponential_backoff_until_it_succeeds(source):
    make_customer(external_id="ada")
    with HttpPeer(responses=[(503, b"busy"), (503, b"busy"), (200, b"ok")]) as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        enter(source, "ada")
        before = timezone.now()
        send_all()
        first = delivery_of("ada")
        assert (first.status, first.attempts) == ("queued", 1)
        assert "HTTP 503" in first.error
        assert timedelta(seconds=29) < first.not_before - before < timedelta(seconds=35)

        send_all(now=first.not_before + timedelta(seconds=1))
        second = delivery_of("ada")
        assert (second.status, second.attempts) == ("queued", 2)
        assert second.not_before - first.not_before > timedelta(seconds=59)  # doubled

        send_all(now=second.not_before + timedelta(seconds=1))

    done = delivery_of("ada")
    assert (done.status, done.attempts, done.error) == ("sent", 3, "")
    assert len(receiver.requests) == 3
    assert len({r.headers["Idempotency-Key"] for r in receiver.requests}) == 1


def test_a_400_is_not_retried(source):
    make_customer(external_id="ada")
    with HttpPeer(responses=[(400, b'{"error": "bad field"}')]) as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        enter(source, "ada")
        send_all()
        send_all(now=timezone.now() + timedelta(days=1))

    delivery = delivery_of("ada")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "HTTP 400" in delivery.error and "bad field" in delivery.error
    assert len(receiver.requests) == 1


def test_a_429_is_retried_and_attempts_run_out_into_failed(source, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    make_customer(external_id="ada")
    with HttpPeer(responses=[(429, b"slow down")]) as receiver:
        message_journey("send_webhook", {"url": receiver.url})
        enter(source, "ada")
        send_all()
        send_all(now=timezone.now() + timedelta(hours=1))

    delivery = delivery_of("ada")
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "gave up after 2 attempts" in delivery.error
    assert len(receiver.requests) == 2


def test_a_receiver_that_is_down_is_a_network_error_and_retried(source):
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        url = receiver.url
    message_journey("send_webhook", {"url": url})
    enter(source, "ada")

    send_all()

    delivery = delivery_of("ada")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "network error" in delivery.error


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://localhost:9/hook", "loopback"),
        ("http://[::1]:9/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:127.0.0.1]:9/hook", "loopback"),
        ("http://0.0.0.0:9/hook", "unspecified"),
    ],
)
def test_internal_addresses_are_refused_without_an_allowlist(source, settings, url, reason):
    settings.WEBHOOK_ALLOWLIST = []
    make_customer(external_id="ada")
    message_journey("send_webhook", {"url": url})
    enter(source, "ada")

    send_all()

    delivery = delivery_of("ada")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error.startswith("refused:") and reason in delivery.error


def test_the_allowlist_lets_a_named_range_through(settings):
    settings.WEBHOOK_ALLOWLIST = ["10.0.0.0/8", "hooks.internal"]
    assert net.resolve_target("http://10.9.8.7:8080/x?y=1").address == "10.9.8.7"
    with pytest.raises(net.RefusedAddress):
        net.resolve_target("http://192.168.1.1/")
    with pytest.raises(net.RefusedAddress):
        net.resolve_target("http://user:pw@10.9.8.7/")


FAILED_EXIT = node("gave-up", "exit", {"reason": "webhook failed"})
AFTER = node("after", "wait", {"mode": "duration", "seconds": 3600})


def test_a_customer_held_for_the_outcome_moves_on_through_next_once_sent(source):
    make_customer(external_id="ada")
    with HttpPeer() as receiver:
        journey = message_journey(
            "send_webhook",
            {"url": receiver.url, "wait_for_outcome": True},
            after=[("next", AFTER), ("failed", FAILED_EXIT)],
        )
        enter(source, "ada")
        assert enrollment_of(journey, "ada").node_id == "message"  # held until the outcome is known

        send_all()
        run()

    enrollment = enrollment_of(journey, "ada")
    assert enrollment.node_id == "after"
    assert ("message", "passed", "next") in path_of(enrollment)


def test_a_customer_whose_webhook_finally_failed_leaves_through_failed(source):
    make_customer(external_id="ada")
    with HttpPeer(responses=[(410, b"gone")]) as receiver:
        journey = message_journey(
            "send_webhook",
            {"url": receiver.url, "wait_for_outcome": True},
            after=[("next", AFTER), ("failed", FAILED_EXIT)],
        )
        enter(source, "ada")
        send_all()
        run()

    enrollment = Enrollment.objects.get(journey=journey)
    assert enrollment.status == "exited" and enrollment.exit_reason == "webhook failed"
    assert ("message", "passed", "failed") in path_of(enrollment)
    failed = NodeStat.objects.filter(journey=journey, node_id="message", metric="delivery:failed")
    assert sum(failed.values_list("value", flat=True)) == 1


def test_without_waiting_for_the_outcome_customers_move_on_at_once_and_a_failed_port_is_refused(source):
    from journeys.graph import validate_graph
    from tests.factories import make_graph

    journey = message_journey("send_webhook", {"url": "https://example.com/hook"}, after=[("next", AFTER)])
    make_customer(external_id="ada")
    enter(source, "ada")
    assert enrollment_of(journey, "ada").node_id == "after"

    graph = make_graph(
        [
            node("t", "event_trigger", {"event": "x"}),
            node("w", "send_webhook", {"url": "https://example.com/hook"}),
            FAILED_EXIT,
        ],
        [("t", "next", "w"), ("w", "failed", "gave-up")],
    )
    assert [e.code for e in validate_graph(graph).errors] == ["unknown_port"]


def test_deliveries_are_counted_as_sent_on_their_node(source):
    for name in ("a", "b"):
        make_customer(external_id=name)
    with HttpPeer() as receiver:
        journey = message_journey("send_webhook", {"url": receiver.url})
        enter(source, "a", "b")
        send_all()
    sent = NodeStat.objects.filter(journey=journey, node_id="message", metric="delivery:sent")
    assert sum(sent.values_list("value", flat=True)) == 2
    assert Delivery.objects.filter(status="sent").count() == 2
