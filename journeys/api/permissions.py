from rest_framework.permissions import SAFE_METHODS, BasePermission

from journeys.roles import can_edit_journeys, can_read_journeys


class JourneyAccess(BasePermission):
    """Reviewers (and everyone with a role) read; Marketers and Admins write."""

    message = "Your role does not allow this: Reviewers read journeys, Marketers and Admins change them."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return can_read_journeys(request.user)
        return can_edit_journeys(request.user)
