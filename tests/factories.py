"""Plain keyword-only builders for test data."""

import itertools

from django.contrib.auth.models import Group, User

from journeys.models import AnonymousId, Customer, Event, Source

_sequence = itertools.count(1)


def make_source(*, name: str | None = None, write_key: str | None = None, is_active: bool = True) -> Source:
    source = Source(name=name or f"Source {next(_sequence)}", is_active=is_active)
    source.set_write_key(write_key or f"test-write-key-{next(_sequence)}")
    source.save()
    return source


def make_customer(*, external_id: str | None = None, anonymous_ids=(), **fields) -> Customer:
    customer = Customer.objects.create(external_id=external_id, **fields)
    for anonymous_id in anonymous_ids:
        AnonymousId.objects.create(anonymous_id=anonymous_id, customer=customer)
    return customer


def make_event(*, customer: Customer, source: Source, name: str = "Product Viewed", **fields) -> Event:
    from django.utils import timezone

    now = timezone.now()
    fields.setdefault("type", "track")
    fields.setdefault("timestamp", now)
    fields.setdefault("received_at", now)
    fields.setdefault("message_id", f"msg-{next(_sequence)}")
    return Event.objects.create(customer=customer, source=source, name=name, **fields)


def make_user(*, username: str | None = None, role: str | None = None, password: str = "pw", **fields) -> User:
    user = User.objects.create_user(username=username or f"user{next(_sequence)}", password=password, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
