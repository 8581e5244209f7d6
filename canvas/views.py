from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from journeys import selectors, services
from journeys.demo import EXAMPLES, journey_create_from_example
from journeys.models import Journey
from journeys.roles import can_edit_journeys, can_read_journeys, user_roles

JOURNEYS_PER_PAGE = 25
# The list's own filter beside the statuses: drafts waiting for a Reviewer's decision.
IN_REVIEW = "in_review"
NAME_MAX_LENGTH = Journey._meta.get_field("name").max_length
# Archive is offered only where the service allows it, so the button never leads to a refusal.
ARCHIVABLE = {Journey.Status.DRAFT, Journey.Status.CLOSED, Journey.Status.STOPPED}


@login_required
def home(request):
    return redirect("journey-list")


@login_required
def editor(request):
    # The editor always works on one saved journey; journeys are created from the list.
    return redirect("journey-list")


# --- the journeys list


def editor_url(journey_id: int) -> str:
    return reverse("journey-editor", args=[journey_id])


@login_required
@require_safe
def journey_list(request):
    if not can_read_journeys(request.user):
        # Logged in but in no group yet: say so, rather than show an empty list.
        return render(request, "canvas/home.html", {"roles": sorted(user_roles(request.user))}, status=403)
    status = request.GET.get("status", "")
    if status not in Journey.Status.values and status != IN_REVIEW:
        status = ""
    search = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    in_review = status == IN_REVIEW
    journeys = selectors.journeys_list(status=None if in_review else status or None, search=search, in_review=in_review)
    if not status or in_review:
        # Archived journeys are put away on purpose; they show only when asked for.
        journeys = journeys.exclude(status=Journey.Status.ARCHIVED)
    page = Paginator(journeys, JOURNEYS_PER_PAGE).get_page(request.GET.get("page"))
    totals = selectors.journey_totals(list(page.object_list))
    filters = {key: value for key, value in (("status", status), ("q", search)) if value}
    return render(
        request,
        "canvas/journey_list.html",
        {
            "page": page,
            "rows": [
                {"journey": j, "totals": totals[j.pk], "url": editor_url(j.pk), "archivable": j.status in ARCHIVABLE}
                for j in page.object_list
            ],
            "status": status,
            "search": search,
            "statuses": Journey.Status.choices,
            "filter_query": urlencode(filters),
            "here": request.get_full_path(),
            "can_edit": can_edit_journeys(request.user),
            "name_max_length": NAME_MAX_LENGTH,
            "examples": [
                {"value": key, "name": demo.name, "description": demo.description} for key, demo in EXAMPLES.items()
            ],
        },
    )


def _require_editor(request) -> None:
    if not can_edit_journeys(request.user):
        raise PermissionDenied("Reviewers read journeys; Marketers and Admins change them.")


def _back_to_list(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("journey-list")


@login_required
@require_POST
def journey_new(request):
    _require_editor(request)
    name = request.POST.get("name", "").strip() or "Untitled journey"
    if len(name) > NAME_MAX_LENGTH:
        messages.error(request, f"A journey name has at most {NAME_MAX_LENGTH} characters.")
        return _back_to_list(request)
    if selectors.NUL in name:
        messages.error(request, "A journey name cannot contain a NUL character.")
        return _back_to_list(request)
    example = request.POST.get("example", "")
    if not example:
        journey = services.journey_create(name=name, user=request.user)
    elif example in EXAMPLES:
        # Left empty, the name is the example's own, not "Untitled journey".
        typed = request.POST.get("name", "").strip()
        journey = journey_create_from_example(example=example, name=typed, user=request.user)
    else:
        messages.error(request, "Choose a blank journey or one of the examples listed.")
        return _back_to_list(request)
    return redirect(editor_url(journey.pk))


@login_required
@require_POST
def journey_duplicate(request, journey_id: int):
    _require_editor(request)
    copy = services.journey_duplicate(journey=get_object_or_404(Journey, pk=journey_id), user=request.user)
    messages.success(request, f"Made a draft copy: {copy.name}.")
    return redirect(f"{reverse('journey-list')}?{urlencode({'q': copy.name[: selectors.SEARCH_MAX_LENGTH]})}")


@login_required
@require_POST
def journey_archive(request, journey_id: int):
    _require_editor(request)
    journey = get_object_or_404(Journey, pk=journey_id)
    try:
        services.journey_transition(journey=journey, action="archive")
    except services.JourneyError as error:
        messages.error(request, f"{journey.name}: {error}.")
    else:
        messages.success(request, f"Archived {journey.name}.")
    return _back_to_list(request)


# --- the editor


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
