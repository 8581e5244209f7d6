"""Prediction pages: the list (define, train), one prediction's quality. Thin views over services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeys.models import Prediction
from journeys.predictions import selectors, services, tasks
from journeys.predictions.forms import PredictionForm
from journeys.roles import can_edit_journeys, can_read_journeys


def _readable(request) -> None:
    if not can_read_journeys(request.user):
        raise PermissionDenied("Predictions are for Marketers, Reviewers and Admins.")


def _editing(request) -> None:
    if not can_edit_journeys(request.user):
        raise PermissionDenied("Only Marketers and Admins define and train predictions.")


@login_required
@require_http_methods(["GET", "POST"])
def prediction_list(request):
    _readable(request)
    form = PredictionForm()
    if request.method == "POST":
        _editing(request)
        form = PredictionForm(request.POST)
        if form.is_valid():
            prediction = services.prediction_create(**form.cleaned_data, user=request.user)
            messages.success(request, f"{prediction.name} is defined. Train it to score customers.")
            return redirect("predictions:detail", prediction_id=prediction.pk)
    return render(
        request,
        "predictions/list.html",
        {"rows": selectors.prediction_rows(), "form": form, "can_edit": can_edit_journeys(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def prediction_detail(request, prediction_id: int):
    _readable(request)
    prediction = get_object_or_404(
        Prediction.objects.select_related("current_training").defer("current_training__model_text"), pk=prediction_id
    )
    page = selectors.prediction_page(prediction)
    return render(request, "predictions/detail.html", {**page, "can_edit": can_edit_journeys(request.user)})


@login_required
@require_POST
def prediction_train(request, prediction_id: int):
    _editing(request)
    prediction = get_object_or_404(Prediction, pk=prediction_id)
    run, created = services.training_request(prediction=prediction)
    if created:
        tasks.enqueue_training(run.pk)
        messages.success(request, "Training started. This page follows its progress.")
    else:
        messages.info(request, "A training is already under way.")
    return redirect("predictions:detail", prediction_id=prediction.pk)


@login_required
@require_GET
def prediction_status(request, prediction_id: int):
    """The latest run's progress, polled by the page while a training runs."""
    _readable(request)
    prediction = get_object_or_404(Prediction, pk=prediction_id)
    run = prediction.trainings.defer("model_text", "spec", "metrics").first()
    return JsonResponse({"run": selectors.run_view(run, timezone.now())})
