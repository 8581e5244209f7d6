"""Customer profiles: finding a customer, reading the whole profile, and taking them out of journeys.

Reads for the profile pages and `/api/customers/`, and the one service that removes customers
from a journey by hand (through the engine, which owns enrollment state).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q
from django.db.models.functions import Upper
from django.utils import timezone

from journeys.consent import consent_read
from journeys.engine.changes import remove_customers
from journeys.input import InputError, check_value
from journeys.models import AnonymousId, Customer, CustomerMerge, Delivery, Event, Journey
from journeys.selectors import customer_journey_history

SEARCH_MAX_LENGTH = 255
SEARCH_RESULTS = 50
RECENTLY_ACTIVE_SHOWN = 20
# How many of the newest events are read to find them: a few index pages, whatever the table's size.
RECENT_EVENTS_READ = 500
EVENTS_PER_PAGE = 50
# Pages past this would make PostgreSQL skip over a lot of rows (OFFSET); a filter by name is the
# way into an old, long history.
EVENTS_MAX_PAGE = 200
DELIVERIES_SHOWN = 100
MERGES_SHOWN = 50
IDENTITIES_SHOWN = 100
REMOVE_MAX = 500
REASON_MAX_LENGTH = 200


class ProfileError(ValueError):
    """A request the profile services refuse, with a message for the person who made it."""


# --- consent


def consent_states(customer: Customer) -> list[dict]:
    """The customer's consent per channel: [{channel, state, changed_at, source}], one per channel.

    Read through journeys.consent, the one owner of consent storage; `state` is subscribed,
    unsubscribed or not_asked, and `changed_at`/`source` come from the change log (None when the
    channel never changed).
    """
    return [
        {
            "channel": channel,
            "state": read["state"],
            "changed_at": read["changed_at"],
            "source": read["source"] or None,
        }
        for channel, read in consent_read(customer=customer).items()
    ]


# --- search


def customer_search(query: str, *, limit: int = SEARCH_RESULTS) -> list[Customer]:
    """Customers whose external id, email (any case), phone or anonymous id is exactly `query`.

    Exact matches only, each through an index, so a search costs a few index probes whatever
    the number of customers. A number also finds the customer with that id.
    """
    query = (query or "").strip()
    if not query or "\x00" in query or len(query) > SEARCH_MAX_LENGTH:
        return []
    matches = Q(external_id=query) | Q(phone=query) | Q(email_upper=query.upper())
    matches |= Q(id__in=AnonymousId.objects.filter(anonymous_id=query).values("customer_id"))
    if query.isdigit() and len(query) < 19:
        matches |= Q(id=int(query))
    return list(Customer.objects.annotate(email_upper=Upper("email")).filter(matches).order_by("-id")[:limit])


@dataclass
class RecentCustomer:
    customer: Customer
    last_event: str  # its name, or its type in brackets for a call without one (an identify)
    last_received_at: datetime


def customers_recently_active(*, limit: int = RECENTLY_ACTIVE_SHOWN) -> list[RecentCustomer]:
    """The customers behind the newest events, newest first, each with the event that was last.

    Who a person opening the customer pages is most often after: someone who just did something.
    Read from the newest events by id (the primary key's index, backwards, in each partition), so
    fewer than `limit` come back when a few customers sent all of the latest events.
    """
    latest: dict[int, tuple[str, datetime]] = {}
    newest = Event.objects.order_by("-id").values_list("customer_id", "type", "name", "received_at")
    for customer_id, kind, name, received_at in newest[:RECENT_EVENTS_READ]:
        latest.setdefault(customer_id, (name or f"({kind})", received_at))
        if len(latest) == limit:
            break
    customers = Customer.objects.in_bulk(latest)
    return [
        RecentCustomer(customers[customer_id], name, received_at)
        for customer_id, (name, received_at) in latest.items()
        if customer_id in customers  # erased since
    ]


# --- the profile


@dataclass
class EventPage:
    events: list[Event]
    page: int
    has_next: bool
    name: str


def customer_events(customer_id: int, *, name: str = "", page: int = 1) -> EventPage:
    """One page of the customer's events, newest first, optionally only those called `name`."""
    if page < 1 or page > EVENTS_MAX_PAGE:
        raise ProfileError(f"page must be between 1 and {EVENTS_MAX_PAGE}")
    name = (name or "").strip()
    if len(name) > 255 or "\x00" in name:
        raise ProfileError("name is at most 255 characters")
    queryset = Event.objects.filter(customer_id=customer_id)
    if name:
        queryset = queryset.filter(name=name)
    start = (page - 1) * EVENTS_PER_PAGE
    # One row past the page says whether there is a next page, without counting them all.
    rows = list(queryset.select_related("source").order_by("-timestamp", "-id")[start : start + EVENTS_PER_PAGE + 1])
    return EventPage(rows[:EVENTS_PER_PAGE], page, len(rows) > EVENTS_PER_PAGE, name)


def customer_profile(customer: Customer) -> dict:
    """Everything the profile shows except the event timeline (paged on its own)."""
    history = customer_journey_history(customer.pk)
    deliveries = list(
        Delivery.objects.filter(customer_id=customer.pk).select_related("journey").order_by("-id")[:DELIVERIES_SHOWN]
    )
    # Imported history and events sent with their own timestamps can predate the profile row.
    first_event = Event.objects.filter(customer_id=customer.pk).aggregate(first=Min("timestamp"))["first"]
    return {
        "customer": customer,
        "first_seen": min(customer.created_at, first_event) if first_event else customer.created_at,
        "consent": consent_states(customer),
        "anonymous_ids": list(
            AnonymousId.objects.filter(customer_id=customer.pk).order_by("created_at")[:IDENTITIES_SHOWN]
        ),
        "merges": list(CustomerMerge.objects.filter(kept_id=customer.pk).order_by("-id")[:MERGES_SHOWN]),
        "journeys": history,
        "deliveries": deliveries,
    }


# --- removing customers from a journey


def removal_reason(*, user, text: str) -> str:
    """The reason written in the path: who removed the customer, and why."""
    text = " ".join((text or "").split())
    if not text:
        raise ProfileError("say why the customer is removed")
    if len(text) > REASON_MAX_LENGTH:
        raise ProfileError(f"the reason is at most {REASON_MAX_LENGTH} characters")
    try:
        check_value(text)
    except InputError:
        raise ProfileError("the reason holds a character that cannot be stored (a NUL or a lone surrogate)") from None
    return f"removed by {user.get_username()}: {text}"


def journey_customers_remove(
    *,
    journey: Journey,
    user,
    reason: str,
    customer_ids: list[int] = (),
    enrollment_ids: list[int] = (),
    now: datetime | None = None,
) -> int:
    """Take customers (by id, or by one of their enrollments in this journey) out of the journey.

    The engine exits their active enrollments with "removed by <user>: <reason>" as the exit
    step's reason, under the same row locks the worker takes, so a removal and a tick never
    both move a customer. Returns how many were inside and now exited.
    """
    full_reason = removal_reason(user=user, text=reason)
    customer_ids, enrollment_ids = list(customer_ids or []), list(enrollment_ids or [])
    if not customer_ids and not enrollment_ids:
        raise ProfileError("name the customers or enrollments to remove")
    if len(customer_ids) + len(enrollment_ids) > REMOVE_MAX:
        raise ProfileError(f"at most {REMOVE_MAX} customers at once")
    return remove_customers(
        journey_id=journey.pk,
        customer_ids=customer_ids,
        enrollment_ids=enrollment_ids,
        reason=full_reason,
        now=now or timezone.now(),
    )
