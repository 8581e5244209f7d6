"""A decision's notification says "approved" or "rejected" (walk #21: it said "rejectd")."""

import pytest

from journeys import roles, services
from journeys.governance import approvals
from journeys.governance.context import acting_as_system
from journeys.models import Notification
from tests.governance.helpers import live_journey, person, small_graph

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("approve", "word"), [(True, "approved"), (False, "rejected")])
def test_the_submitter_is_told_in_plain_words(settings, approve, word):
    settings.APPROVAL_REQUIRED = True
    settings.GOVERNANCE_EMAIL = ""
    marketer, _ = person(roles.MARKETERS)
    reviewer, _ = person(roles.REVIEWERS, username="rev")
    with acting_as_system("test"):
        journey = live_journey(name="Welcome")
    services.journey_update(journey=journey, graph=small_graph(subject="Welcome aboard"))
    review = approvals.review_submit(journey=journey, user=marketer, note="")

    approvals.review_decide(review=review, user=reviewer, approve=approve, note="ok")

    notification = Notification.objects.get(recipient=marketer)
    assert notification.message == f"rev {word} “Welcome”. ok"
    assert notification.kind == f"review_{word}"
