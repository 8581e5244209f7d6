"""Who is acting and from where, for the audit log, carried through a request or a command.

A context variable rather than an argument threaded through every service: the middleware sets
it once per request, a command sets it with `acting_as_system`, and `record` reads it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from journeys.models import token_key_shown


@dataclass(frozen=True)
class Actor:
    request: object | None = None  # the HttpRequest; its user is read late (DRF authenticates in the view)
    interface: str = "system"
    system_reason: str = ""
    ip: str | None = None


_current: ContextVar[Actor] = ContextVar("cjo_audit_actor", default=Actor())  # noqa: B039 (frozen, never mutated)


def current() -> Actor:
    return _current.get()


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


@contextmanager
def acting_as_system(reason: str) -> Iterator[Actor]:
    """Work done by the install itself (seeding demo data, retention): recorded as `system:<reason>`.

    A system actor publishes without waiting for a review (the publish is recorded as auto-approved).
    """
    with acting(Actor(interface="system", system_reason=reason)) as actor:
        yield actor


def request_user(actor: Actor):
    user = getattr(actor.request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_token(actor: Actor) -> str:
    # DRF copies the authenticated token onto the Django request as `auth`: a knox AuthToken, which
    # keeps the key's first characters (token_key) beside its digest.
    auth = getattr(actor.request, "auth", None)
    return token_key_shown(auth) if isinstance(getattr(auth, "token_key", None), str) else ""
