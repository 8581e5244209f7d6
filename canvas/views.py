from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from journeys.models import Journey
from journeys.roles import can_edit_journeys, can_read_journeys, user_roles


@login_required
def home(request):
    return render(request, "canvas/home.html", {"roles": sorted(user_roles(request.user))})


@login_required
def editor(request):
    # The editor always works on one saved journey; journeys are created from the list.
    return redirect("home")


@login_required
def journey_editor(request, journey_id: int):
    """The canvas for one journey, full window. Reviewers get it read-only; the API enforces the
    same rule on every write, so the flag only spares them buttons that would be refused."""
    if not can_read_journeys(request.user):
        raise PermissionDenied
    journey = get_object_or_404(Journey, pk=journey_id)
    return render(
        request,
        "canvas/editor.html",
        {"journey": journey, "journey_id": journey.pk, "can_edit": can_edit_journeys(request.user)},
    )
