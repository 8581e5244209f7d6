"""Prediction pages and API: who may read, define and train; what the quality page shows."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from journeys.models import Customer, Prediction, PredictionScore, PredictionTraining
from journeys.predictions import selectors, services
from journeys.predictions import spec as specs
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.factories import logged_in
from tests.predictions.test_features import SPEC

NOW = datetime(2026, 6, 1, tzinfo=UTC)
METRICS = {
    "auc": 0.55,
    "calibration_error": 0.02,
    "calibration": [{"low": 0.0, "high": 0.1, "count": 400, "predicted": 0.05, "observed": 0.06}],
    "lift": [{"decile": d, "count": 40, "rate": 0.1, "lift": 1.0} for d in range(1, 11)],
    "importance": [{"feature": "Order Completed in the last 30 days", "share": 0.4}],
    "holdout_size": 400,
    "holdout_positives": 12,
    "population_size": 2000,
    "rounds": 40,
}


@pytest.fixture
def prediction(db):
    prediction = services.prediction_create(name="likelihood to <b>order</b>", target_event="Order Completed")
    run = PredictionTraining.objects.create(
        prediction=prediction, status="done", spec=SPEC, metrics=METRICS, finished_at=NOW, cutoff=NOW
    )
    prediction.current_training = run
    prediction.save()
    return prediction


def detail_url(prediction):
    return reverse("predictions:detail", args=[prediction.pk])


FORM = {"name": "churn risk", "target_event": "Order Completed", "target_days": "30", "negate": "on"}


@pytest.mark.parametrize("name", ["predictions:list"])
def test_logged_out_visitors_are_sent_to_the_login_page(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_users_without_a_role_are_refused_everywhere(prediction):
    client = logged_in(None)
    assert client.get(reverse("predictions:list")).status_code == 403
    assert client.get(detail_url(prediction)).status_code == 403
    assert client.get(reverse("predictions:status", args=[prediction.pk])).status_code == 403
    assert client.get(reverse("predictions")).status_code == 403


def test_reviewers_read_but_cannot_define_or_train(prediction):
    client = logged_in(REVIEWERS)
    page = client.get(reverse("predictions:list"))
    assert page.status_code == 200
    assert b"Define a prediction" not in page.content
    assert client.post(reverse("predictions:list"), FORM).status_code == 403
    assert client.post(reverse("predictions:train", args=[prediction.pk])).status_code == 403
    assert not PredictionTraining.objects.filter(status="queued").exists()
    assert Prediction.objects.count() == 1


@pytest.mark.parametrize("role", [MARKETERS, ADMINS])
def test_marketers_and_admins_define_a_prediction_and_start_a_training(db, role, django_capture_on_commit_callbacks):
    client = logged_in(role)
    response = client.post(reverse("predictions:list"), FORM)
    prediction = Prediction.objects.get(name="churn risk")
    assert response.status_code == 302
    assert prediction.negate is True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("predictions:train", args=[prediction.pk]))
    assert len(callbacks) == 1  # the task is queued after commit
    run = PredictionTraining.objects.get(prediction=prediction)
    assert run.status == "queued"
    client.post(reverse("predictions:train", args=[prediction.pk]))
    assert PredictionTraining.objects.filter(prediction=prediction).count() == 1  # one run at a time


def test_bad_definitions_are_refused_with_the_field_named(db):
    client = logged_in(MARKETERS)
    bad = {**FORM, "population": '{"type": "nope"}', "target_filters": "[1]", "target_days": "0"}
    response = client.post(reverse("predictions:list"), bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert "type: must be one of" in text
    assert "property filters" in text
    assert not Prediction.objects.exists()


def test_deeply_nested_json_in_a_definition_is_refused_not_a_500(db):
    deep = "[" * 5000 + "]" * 5000
    response = logged_in(MARKETERS).post(
        reverse("predictions:list"), {**FORM, "target_filters": deep, "population": deep}
    )
    assert response.status_code == 400
    assert "depth limit exceeded" in response.content.decode()
    assert not Prediction.objects.exists()


def test_the_quality_page_names_each_method_and_warns_about_poor_thin_models(prediction):
    response = logged_in(REVIEWERS).get(detail_url(prediction))
    text = response.content.decode()
    assert response.status_code == 200
    assert "likelihood to &lt;b&gt;order&lt;/b&gt;" in text  # escaped
    for words in (
        "AUC",
        "Mann-Whitney",
        "Reliability plot",
        "Lift by decile",
        "Calibration error",
        "share of the total gain",
    ):
        assert words in text
    assert "0.550" in text
    assert "Poor quality: AUC 0.55 is under 0.6" in text
    assert "Too little data to trust" in text
    assert "Order Completed in the last 30 days" in text
    assert "everyone" in text


def test_the_list_warns_beside_a_poor_or_thinly_trained_model(prediction):
    page = logged_in(REVIEWERS).get(reverse("predictions:list")).content.decode()
    assert "0.550" in page
    assert "Poor quality: AUC 0.55 is under 0.6" in page
    assert "Too little data to trust: 400 held-out customers with 12 outcomes" in page
    PredictionTraining.objects.filter(pk=prediction.current_training_id).update(
        metrics={**METRICS, "auc": 0.81, "holdout_size": 5000, "holdout_positives": 900}
    )
    page = logged_in(REVIEWERS).get(reverse("predictions:list")).content.decode()
    assert "0.810" in page and 'class="note quality-warning"' not in page


def test_the_quality_charts_carry_their_scales_and_the_lift_of_one(prediction):
    page = logged_in(REVIEWERS).get(detail_url(prediction)).content.decode()
    for axis in ("x", "y"):
        for label in ("0", "0.5", "1"):
            assert f'data-tick="{axis}">{label}</text>' in page
    assert 'data-baseline="1"' in page  # every decile of METRICS sits on it: lift 1.0
    baseline = re.search(r'<line x1="30" y1="([\d.]+)"[^>]*data-baseline', page).group(1)
    tops = set(re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', page))
    assert tops == {baseline}
    assert "40 rounds." in page


def test_a_run_whose_worker_died_shows_as_failed_and_can_be_retried(prediction, django_capture_on_commit_callbacks):
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    dead = PredictionTraining.objects.create(
        prediction=prediction, status="running", started_at=long_ago, heartbeat_at=long_ago
    )
    client = logged_in(MARKETERS)
    text = client.get(detail_url(prediction)).content.decode()
    assert "The worker stopped reporting" in text
    assert "Train now" in text
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("predictions:train", args=[prediction.pk]))
    dead.refresh_from_db()
    assert dead.status == "failed"
    assert PredictionTraining.objects.filter(prediction=prediction, status="queued").count() == 1


def test_the_status_endpoint_reports_progress(prediction):
    PredictionTraining.objects.create(prediction=prediction, status="running", stage="building features", progress=40)
    PredictionTraining.objects.filter(status="running").update(heartbeat_at=datetime.now(UTC))
    answer = logged_in(REVIEWERS).get(reverse("predictions:status", args=[prediction.pk])).json()
    assert answer["run"]["active"] is True
    assert (answer["run"]["stage"], answer["run"]["progress"]) == ("building features", 40)


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_the_api_lists_predictions_and_estimates_audiences(prediction):
    customers = [Customer.objects.create() for _ in range(3)]
    for i, c in enumerate(customers):
        PredictionScore.objects.create(prediction=prediction, customer=c, score=i / 2, percentile=i / 3, scored_at=NOW)
    client = logged_in(REVIEWERS)
    listed = client.get(reverse("predictions")).json()
    assert listed == [
        {
            "id": prediction.pk,
            "name": prediction.name,
            "target": "does Order Completed within 30 days",
            "trained": True,
            "auc": 0.55,
        }
    ]
    condition = {"type": "prediction", "prediction": prediction.pk, "op": "gte", "value": 0.5}
    answer = client.post(
        reverse("audience-estimate"), json.dumps({"condition": condition}), content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json() == {"count": 2, "exact": True, "sampled": 0}
    bad = client.post(
        reverse("audience-estimate"), json.dumps({"condition": {"type": "prediction"}}), content_type="application/json"
    )
    assert bad.status_code == 400


def test_customer_scores_give_each_score_with_its_reason(prediction):
    customer = Customer.objects.create()
    index = specs.feature_names(SPEC).index("event0_30d")
    PredictionScore.objects.create(
        prediction=prediction,
        customer=customer,
        score=0.82,
        percentile=0.95,
        reason_features=[index],
        reason_values=[4.0],
        scored_at=NOW,
    )
    [score] = selectors.customer_scores(customer.pk)
    assert (score["name"], score["score"], score["top_percent"]) == (prediction.name, 0.82, 5)
    assert score["reason"] == "Order Completed in the last 30 days: 4"
    from django.template.loader import render_to_string

    html = render_to_string("predictions/_customer_scores.html", {"scores": [score]})
    assert "0.82" in html
    assert "top 5 %" in html

    # The customer's profile page shows it, with its reason, escaped.
    page = logged_in(REVIEWERS).get(reverse("customers:profile", args=[customer.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Predicted scores" in body and "likelihood to &lt;b&gt;order&lt;/b&gt;" in body
    assert "Order Completed in the last 30 days: 4" in body
