from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from journeys.roles import user_roles


@login_required
def home(request):
    return render(request, "canvas/home.html", {"roles": sorted(user_roles(request.user))})


@login_required
def editor(request):
    return render(request, "canvas/editor.html", {"journey_id": ""})
