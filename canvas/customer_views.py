"""Customer pages: find a customer, read their profile, take them out of a journey."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from journeys import profiles
from journeys.models import Customer, Journey
from journeys.predictions import selectors as prediction_selectors
from journeys.roles import can_edit_journeys, can_read_journeys


def _readable(request) -> None:
    if not can_read_journeys(request.user):
        raise PermissionDenied("Customer profiles are for Marketers, Reviewers and Admins.")


@login_required
@require_GET
def search(request):
    _readable(request)
    query = request.GET.get("q", "").strip()
    error = ""
    results = []
    if len(query) > profiles.SEARCH_MAX_LENGTH:
        error = f"Search for at most {profiles.SEARCH_MAX_LENGTH} characters."
    elif query:
        results = profiles.customer_search(query)
        if len(results) == 1:
            return redirect("customers:profile", customer_id=results[0].pk)
    recent = [] if query else profiles.customers_recently_active()
    return render(
        request, "customers/search.html", {"query": query[:300], "results": results, "error": error, "recent": recent}
    )


@login_required
@require_GET
def profile(request, customer_id: int):
    _readable(request)
    customer = get_object_or_404(Customer, pk=customer_id)
    context = profiles.customer_profile(customer)
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 0
    try:
        context["events"] = profiles.customer_events(customer.pk, name=request.GET.get("name", ""), page=page)
    except profiles.ProfileError as error:
        messages.error(request, f"Timeline: {error}")
        context["events"] = profiles.customer_events(customer.pk)
    for event in context["events"].events:
        # JSON, as it was sent, rather than Python's repr of the dict.
        event.properties_json = json.dumps(event.properties, indent=1, ensure_ascii=False, sort_keys=True)[:4000]
    context["can_remove"] = can_edit_journeys(request.user)
    context["scores"] = prediction_selectors.customer_scores(customer.pk)
    context["reason_max"] = profiles.REASON_MAX_LENGTH
    return render(request, "customers/profile.html", context)


@login_required
@require_POST
def remove_from_journey(request, customer_id: int):
    if not can_edit_journeys(request.user):
        raise PermissionDenied("Only Marketers and Admins take customers out of journeys.")
    customer = get_object_or_404(Customer, pk=customer_id)
    try:
        journey_id = int(request.POST.get("journey", ""))
    except ValueError:
        journey_id = 0
    journey = get_object_or_404(Journey, pk=journey_id)
    try:
        removed = profiles.journey_customers_remove(
            journey=journey, user=request.user, reason=request.POST.get("reason", ""), customer_ids=[customer.pk]
        )
    except profiles.ProfileError as error:
        messages.error(request, f"Not removed: {error}.")
    else:
        if removed:
            messages.success(request, f"Removed from {journey.name}.")
        else:
            messages.info(request, f"Already out of {journey.name}: nothing to remove.")
    return redirect(reverse("customers:profile", args=[customer.pk]) + "#journeys")
