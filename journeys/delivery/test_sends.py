"""Test sends: messages someone sends to an address of their choosing, to see them as received.

A test send can carry a customer's data to any address, so each one is written to the audit log;
and the log is also the budget: at most MAX_PER_HOUR test messages per person per hour, counted
across every web process (a per-process cache would multiply the limit), for a template's test
send and a test run's emails alike.
"""

from datetime import timedelta

from django.utils import timezone

from journeys.governance import audit
from journeys.models import AuditEntry

MAX_PER_HOUR = 30
TEMPLATE_ACTION = "template.send_test"
TEST_RUN_ACTION = "journey.test_send"


class OverBudget(Exception):
    """This person has sent MAX_PER_HOUR test messages in the last hour."""

    def __init__(self):
        super().__init__(f"at most {MAX_PER_HOUR} test messages an hour: try again later")


def sends_left(user) -> int:
    since = timezone.now() - timedelta(hours=1)
    used = AuditEntry.objects.filter(
        action__in=(TEMPLATE_ACTION, TEST_RUN_ACTION), actor_id=user.pk, at__gte=since
    ).count()
    return max(0, MAX_PER_HOUR - used)


def check_budget(user) -> None:
    if sends_left(user) < 1:
        raise OverBudget()


def record(action: str, obj, *, user, to: str, customer=None) -> None:
    audit.record(action, obj, {"to": to, "customer": customer.external_id if customer else None}, user=user)
