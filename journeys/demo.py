"""The demo journeys: the five examples of DESIGN.md, seeded as live journeys by `manage.py seed_demo`.

Waits last minutes, not days, so a newcomer watching the canvas (with `manage.py demo_traffic`
sending events) sees customers enter, wait and move on while they look. The graphs are built
from the ordinary node kinds and laid out top to bottom, branches side by side, so they read
like a marketer would have drawn them.
"""

import copy
from dataclasses import dataclass

from django.db import transaction

from journeys.models import Journey
from journeys.services import journey_create, journey_publish

COLUMN = 260  # px between branches side by side
ROW = 160  # px between one step and the next

MINUTE = 60


@dataclass(frozen=True)
class DemoJourney:
    name: str
    description: str
    graph: dict
    settings: dict


def _node(node_id: str, kind: str, label: str, config: dict, *, column: float, row: int) -> dict:
    return {
        "id": node_id,
        "type": "journey",
        "position": {"x": column * COLUMN, "y": row * ROW},
        "data": {"kind": kind, "label": label, "config": config},
    }


def _graph(nodes: list[dict], edges: list[tuple[str, str, str]]) -> dict:
    return {
        "nodes": nodes,
        "edges": [
            {"id": f"{source}-{port}-{target}", "source": source, "sourceHandle": port, "target": target}
            for source, port, target in edges
        ],
    }


def _ordered(times: int, **extra) -> dict:
    return {"type": "event", "event": "Order Completed", "min_count": times, **extra}


MORTGAGE = [{"property": "category", "op": "eq", "value": "mortgage"}]

WELCOME_SERIES = DemoJourney(
    name="Welcome series",
    description=(
        "Greets every new sign-up, then helps those who have not ordered yet: a tips email, then an in-app "
        "message. Demo timing: the waits are 2 and 3 minutes so you can watch customers move; a real series "
        "would wait days."
    ),
    settings={"goal": {"event": "Order Completed", "window_days": 7}},
    graph=_graph(
        [
            _node("signed-up", "event_trigger", "Signed up", {"event": "Signed Up"}, column=0, row=0),
            _node(
                "welcome-email",
                "send_email",
                "Welcome email",
                {
                    "subject": "Welcome aboard!",
                    "body": "<p>Hi {{ customer.first_name }}, thanks for signing up. Here is how to get started.</p>",
                },
                column=0,
                row=1,
            ),
            _node(
                "wait-welcome", "wait", "Wait 2 minutes", {"mode": "duration", "seconds": 2 * MINUTE}, column=0, row=2
            ),
            _node(
                "has-ordered",
                "condition",
                "Ordered yet?",
                {"branches": [{"key": "ordered", "label": "Has ordered", "condition": _ordered(1)}]},
                column=0,
                row=3,
            ),
            _node("already-buying", "exit", "Already a customer", {"reason": "ordered"}, column=-0.5, row=4),
            _node(
                "tips-email",
                "send_email",
                "Tips email",
                {
                    "subject": "Three tips for your first order",
                    "body": "<p>Hi {{ customer.first_name }}, here are three ways to find what you need.</p>",
                },
                column=0.5,
                row=4,
            ),
            _node(
                "wait-tips", "wait", "Wait 3 minutes", {"mode": "duration", "seconds": 3 * MINUTE}, column=0.5, row=5
            ),
            _node(
                "nudge-in-app",
                "send_in_app",
                "In-app nudge",
                {"title": "Need a hand?", "body": "Your first order ships free this week."},
                column=0.5,
                row=6,
            ),
            _node("welcomed", "exit", "Welcome done", {"reason": "finished the welcome series"}, column=0.5, row=7),
        ],
        [
            ("signed-up", "next", "welcome-email"),
            ("welcome-email", "next", "wait-welcome"),
            ("wait-welcome", "next", "has-ordered"),
            ("has-ordered", "ordered", "already-buying"),
            ("has-ordered", "else", "tips-email"),
            ("tips-email", "next", "wait-tips"),
            ("wait-tips", "next", "nudge-in-app"),
            ("nudge-in-app", "next", "welcomed"),
        ],
    ),
)

ABANDONED_BASKET = DemoJourney(
    name="Abandoned basket recovery",
    description=(
        "Reminds customers who add to their basket but do not order: an email, then an SMS. Ordering at any "
        "point ends the journey (the goal exits on conversion). Demo timing: 5 minutes to order before the "
        "email, then 1 + 2 minutes before the SMS; a real journey would wait hours."
    ),
    settings={
        "re_entry": {"mode": "after_exit"},
        "goal": {"event": "Order Completed", "window_days": 2, "exit_on_conversion": True},
    },
    graph=_graph(
        [
            _node("added", "event_trigger", "Added to basket", {"event": "Product Added"}, column=0, row=0),
            _node(
                "wait-order",
                "wait_for_event",
                "Ordered within 5 minutes?",
                {"event": "Order Completed", "timeout_seconds": 5 * MINUTE},
                column=0,
                row=1,
            ),
            _node("bought", "exit", "Bought", {"reason": "bought"}, column=-0.5, row=2),
            _node(
                "reminder-email",
                "send_email",
                "Reminder email",
                {
                    "subject": "You left something in your basket",
                    "body": "<p>Hi {{ customer.first_name }}, your basket is waiting for you.</p>",
                },
                column=0.5,
                row=2,
            ),
            _node("wait-email", "wait", "Wait 1 minute", {"mode": "duration", "seconds": MINUTE}, column=0.5, row=3),
            _node(
                "wait-order-again",
                "wait_for_event",
                "Ordered within 2 more minutes?",
                {"event": "Order Completed", "timeout_seconds": 2 * MINUTE},
                column=0.5,
                row=4,
            ),
            _node("bought-after-email", "exit", "Bought after the email", {"reason": "bought"}, column=0, row=5),
            _node(
                "reminder-sms",
                "send_sms",
                "Reminder SMS",
                {"body": "Your basket is still waiting for you. Reply STOP to opt out."},
                column=1,
                row=5,
            ),
            _node("reminded", "exit", "Reminded twice", {"reason": "sent both reminders"}, column=1, row=6),
        ],
        [
            ("added", "next", "wait-order"),
            ("wait-order", "matched", "bought"),
            ("wait-order", "timeout", "reminder-email"),
            ("reminder-email", "next", "wait-email"),
            ("wait-email", "next", "wait-order-again"),
            ("wait-order-again", "matched", "bought-after-email"),
            ("wait-order-again", "timeout", "reminder-sms"),
            ("reminder-sms", "next", "reminded"),
        ],
    ),
)

OUTAGE_SUPPORT = DemoJourney(
    name="Proactive outage support",
    description=(
        "Tells affected customers about an outage before they have to ask: an Outage Detected event with a "
        "region sends a transactional email and SMS at once (no wait between them). A customer is notified "
        "again for another outage, but at most once an hour."
    ),
    settings={"re_entry": {"mode": "any_time", "min_gap_seconds": 3600}},
    graph=_graph(
        [
            _node(
                "outage",
                "event_trigger",
                "Outage in their region",
                {"event": "Outage Detected", "filters": [{"property": "region", "op": "exists"}]},
                column=0,
                row=0,
            ),
            _node(
                "outage-email",
                "send_email",
                "Outage email",
                {
                    "transactional": True,
                    "subject": "We know about the outage in your area",
                    "body": "<p>Hi {{ customer.first_name }}, our team is already fixing an outage that affects "
                    "your region. We will tell you as soon as it is over; there is no need to call us.</p>",
                },
                column=0,
                row=1,
            ),
            _node(
                "outage-sms",
                "send_sms",
                "Outage SMS",
                {
                    "transactional": True,
                    "body": "We know about the outage in your area and are fixing it. No need to call us.",
                },
                column=0,
                row=2,
            ),
            _node("notified", "exit", "Notified", {"reason": "notified about the outage"}, column=0, row=3),
        ],
        [
            ("outage", "next", "outage-email"),
            ("outage-email", "next", "outage-sms"),
            ("outage-sms", "next", "notified"),
        ],
    ),
)

LOYALTY_REWARD = DemoJourney(
    name="Loyalty reward",
    description=(
        "Rewards a customer once, at their fifth order: they become a gold member and get a thank-you email. "
        "Every order enters the journey; those with fewer orders (or already gold) leave at once."
    ),
    settings={"re_entry": {"mode": "after_exit"}},
    graph=_graph(
        [
            _node("ordered", "event_trigger", "Completed an order", {"event": "Order Completed"}, column=0, row=0),
            _node(
                "fifth-order",
                "condition",
                "5 orders and not gold yet?",
                {
                    "branches": [
                        {
                            "key": "loyal",
                            "label": "5+ orders",
                            # "not gold yet" rewards once: without it every later order would reward again.
                            "condition": {
                                "all": [
                                    _ordered(5),
                                    {"type": "attribute", "attribute": "loyalty_tier", "op": "neq", "value": "gold"},
                                ]
                            },
                        }
                    ]
                },
                column=0,
                row=1,
            ),
            _node(
                "make-gold",
                "update_attribute",
                "Make gold member",
                {
                    "changes": [
                        {"attribute": "loyalty_tier", "operation": "set", "value": "gold"},
                        {"attribute": "rewards_given", "operation": "increment", "value": 1},
                    ]
                },
                column=-0.5,
                row=2,
            ),
            _node(
                "reward-email",
                "send_email",
                "Reward email",
                {
                    "subject": "You earned a reward",
                    "body": "<p>Thank you for five orders, {{ customer.first_name }}! You are now a gold member: "
                    "free shipping on everything from today.</p>",
                },
                column=-0.5,
                row=3,
            ),
            _node("rewarded", "exit", "Rewarded", {"reason": "rewarded"}, column=-0.5, row=4),
            _node(
                "not-yet", "exit", "Not this time", {"reason": "fewer than 5 orders or already gold"}, column=0.5, row=2
            ),
        ],
        [
            ("ordered", "next", "fifth-order"),
            ("fifth-order", "loyal", "make-gold"),
            ("fifth-order", "else", "not-yet"),
            ("make-gold", "next", "reward-email"),
            ("reward-email", "next", "rewarded"),
        ],
    ),
)

MORTGAGE_OFFER = DemoJourney(
    name="Mortgage loan offer",
    description=(
        "A bank offers a mortgage to customers who read about mortgages a lot: the third mortgage article "
        "within 7 days makes an offer, once per customer. An A/B split tries the offer by email against an "
        "in-app message, with 10% held out as a control that gets nothing; the goal is a loan application "
        "within 14 days."
    ),
    settings={"re_entry": {"mode": "after_exit"}, "goal": {"event": "Loan Application Started", "window_days": 14}},
    graph=_graph(
        [
            _node(
                "read-mortgage",
                "event_trigger",
                "Read a mortgage article",
                {"event": "Article Read", "filters": MORTGAGE},
                column=0,
                row=0,
            ),
            _node(
                "engaged",
                "condition",
                "3 mortgage articles in 7 days?",
                {
                    "branches": [
                        {
                            "key": "engaged",
                            "label": "Engaged, no offer yet",
                            # Offer once: a repeated offer would also count the customer twice in the A/B test.
                            "condition": {
                                "all": [
                                    {
                                        "type": "event",
                                        "event": "Article Read",
                                        "min_count": 3,
                                        "within_days": 7,
                                        "filters": MORTGAGE,
                                    },
                                    {"type": "attribute", "attribute": "mortgage_offer", "op": "not_exists"},
                                ]
                            },
                        }
                    ]
                },
                column=0,
                row=1,
            ),
            _node("not-engaged", "exit", "Not yet", {"reason": "not engaged enough yet"}, column=1, row=2),
            _node(
                "mark-offered",
                "update_attribute",
                "Mark as offered",
                {"changes": [{"attribute": "mortgage_offer", "operation": "set", "value": "made"}]},
                column=0,
                row=2,
            ),
            _node(
                "offer-split",
                "split",
                "Email vs in-app",
                {
                    "variants": [
                        {"key": "email", "weight": 45},
                        {"key": "in-app", "weight": 45},
                        {"key": "control", "weight": 10, "control": True},
                    ]
                },
                column=0,
                row=3,
            ),
            _node(
                "offer-email",
                "send_email",
                "Offer by email",
                {
                    "subject": "A mortgage rate made for you",
                    "body": "<p>Hi {{ customer.first_name }}, planning a move? Get a decision in principle in ten "
                    "minutes.</p>",
                },
                column=-1,
                row=4,
            ),
            _node(
                "offer-in-app",
                "send_in_app",
                "Offer in the app",
                {"title": "Your mortgage, sorted", "body": "See what you could borrow in ten minutes."},
                column=0,
                row=4,
            ),
            _node("held-out", "exit", "Control: no offer", {"reason": "held out (control)"}, column=1, row=4),
            _node("offered", "exit", "Offer made", {"reason": "offer made"}, column=-0.5, row=5),
        ],
        [
            ("read-mortgage", "next", "engaged"),
            ("engaged", "engaged", "mark-offered"),
            ("engaged", "else", "not-engaged"),
            ("mark-offered", "next", "offer-split"),
            ("offer-split", "email", "offer-email"),
            ("offer-split", "in-app", "offer-in-app"),
            ("offer-split", "control", "held-out"),
            ("offer-email", "next", "offered"),
            ("offer-in-app", "next", "offered"),
        ],
    ),
)

DEMO_JOURNEYS = [WELCOME_SERIES, ABANDONED_BASKET, OUTAGE_SUPPORT, LOYALTY_REWARD, MORTGAGE_OFFER]


def demo_journeys_seed(*, user=None) -> list[Journey]:
    """Create and publish each demo journey that does not exist yet; return the ones created.

    A journey is matched by name only: one that exists (in any state, perhaps edited by someone
    trying the product) is left exactly as it is.
    """
    created = []
    for demo in DEMO_JOURNEYS:
        with transaction.atomic():
            if Journey.objects.filter(name=demo.name).exists():
                continue
            journey = journey_create(
                name=demo.name,
                description=demo.description,
                graph=copy.deepcopy(demo.graph),
                settings=copy.deepcopy(demo.settings),
                user=user,
            )
            journey_publish(journey=journey, user=user)
        journey.refresh_from_db()
        created.append(journey)
    return created
