"""Journeys that send one message, and running the engine and the delivery worker."""

from collections.abc import Callable
from dataclasses import dataclass

from journeys.delivery import deliveries_send
from journeys.models import Delivery
from tests.engine.helpers import run, send
from tests.factories import make_graph, make_journey, node


def message_journey(kind: str, config: dict, *, event: str = "Signed Up", after: list | None = None):
    """event trigger -> one message node (-> `after` nodes on its ports)."""
    nodes = [node("trigger", "event_trigger", {"event": event}), node("message", kind, config)]
    edges = [("trigger", "next", "message")]
    for port, extra in after or []:
        nodes.append(extra)
        edges.append(("message", port, extra["id"]))
    return make_journey(graph=make_graph(nodes, edges))


def enter(source, *user_ids: str, event: str = "Signed Up", properties: dict | None = None) -> None:
    """The customers do the trigger event and the engine moves them to their message."""
    send(source, *[{"userId": user_id, "event": event, "properties": properties or {}} for user_id in user_ids])
    run()


def send_all(now=None) -> int:
    handled = 0
    while done := deliveries_send(now=now):
        handled += done
    return handled


def delivery_of(external_id: str) -> Delivery:
    return Delivery.objects.get(customer__external_id=external_id)


@dataclass
class ChannelPeer:
    """How the shared channel tests reach one channel's receiver (see tests/delivery/channels/test_registry.py).

    Each channel's test module has a `peer(settings)` context manager yielding one: the profile
    fields a customer needs to be reachable, node settings besides the template, and a count of
    the messages the receiver got.
    """

    customer: dict
    config: dict
    received: Callable[[], int]
