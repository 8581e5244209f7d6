"""Template context every page's header needs, each part read only when a page shows it."""

from django.utils.functional import SimpleLazyObject

from journeys.models import ReviewRequest
from journeys.roles import ADMINS, REVIEWERS, user_roles


def header(request) -> dict:
    """`is_admin` (the Admins role, not Django's staff flag), and `pending_reviews`: drafts waiting
    for a decision, for Reviewers and Admins (None for everyone else). One roles lookup serves both."""
    known: list[set[str]] = []

    def roles() -> set[str]:
        if not known:
            known.append(user_roles(request.user))
        return known[0]

    def pending():
        if not roles() & {REVIEWERS, ADMINS}:
            return None
        return ReviewRequest.objects.filter(status=ReviewRequest.Status.PENDING).count()

    return {
        "is_admin": SimpleLazyObject(lambda: ADMINS in roles()),
        "pending_reviews": SimpleLazyObject(pending),
    }
