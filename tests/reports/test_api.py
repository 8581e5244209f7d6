"""The report figures as JSON: the same numbers as the pages, the same role rules, and in the schema."""

import pytest
from rest_framework.test import APIClient

from journeys.experiments.selectors import live_weights
from journeys.models import ExperimentDecision
from journeys.roles import MARKETERS, REVIEWERS
from tests.factories import make_api_token, make_user
from tests.reports.helpers import populated_journey


@pytest.fixture
def populated(db):
    return populated_journey()


def api_as(role):
    client = APIClient()
    user = make_user(role=role)
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(user)}")
    return client, user


def test_anonymous_callers_get_401(populated):
    journey, _ = populated
    client = APIClient()
    assert client.get(f"/api/journeys/{journey.pk}/report/").status_code == 401
    assert client.get(f"/api/journeys/{journey.pk}/experiments/s/").status_code == 401
    assert client.post(f"/api/journeys/{journey.pk}/experiments/s/decisions/", {}).status_code == 401


def test_the_experiment_json_has_every_figure_with_its_method(populated):
    journey, _ = populated
    client, _ = api_as(MARKETERS)
    body = client.get(f"/api/journeys/{journey.pk}/experiments/s/").json()
    variants = {v["key"]: v for v in body["primary"]["variants"]}
    assert sum(v["exposed"] for v in variants.values()) == 40
    assert sum(v["conversions"] for v in variants.values()) == 12
    b = variants["B"]
    assert b["difference"]["method"] == "Newcombe hybrid score interval (method 10)"
    assert b["rate"]["low"] < b["rate"]["value"] < b["rate"]["high"]
    assert {c["name"] for c in body["primary"]["checks"]} == {
        "sample_ratio_mismatch",
        "too_few_conversions",
        "sample_size",
    }
    assert body["metrics"][0]["kind"] == "guardrail"


def test_the_journey_json_matches_the_funnel(populated):
    journey, _ = populated
    client, _ = api_as(REVIEWERS)
    body = client.get(f"/api/journeys/{journey.pk}/report/").json()
    assert body["totals"] == {"entries": 40, "converted": 12, "exited": 40, "errored": 0}
    assert client.get(f"/api/journeys/{journey.pk}/report/?from=nonsense").status_code == 400


def test_experiments_are_listed_per_split_node(populated):
    journey, _ = populated
    client, _ = api_as(REVIEWERS)
    body = client.get(f"/api/journeys/{journey.pk}/experiments/").json()
    assert body["experiments"] == [
        {
            "node_id": "s",
            "label": "s",
            "status": "running",
            "winner": "",
            "bandit": False,
            "weights": {"A": 50.0, "B": 50.0},
            "report_url": f"/reports/journeys/{journey.pk}/experiments/s/",
        }
    ]


def test_a_declared_winner_is_listed_with_all_new_customers_going_to_it(populated):
    journey, _ = populated
    reviewer, _ = api_as(REVIEWERS)
    decided = reviewer.post(
        f"/api/journeys/{journey.pk}/experiments/s/decisions/", {"kind": "winner", "variant": "B"}, format="json"
    )
    assert decided.status_code == 201

    marketer, _ = api_as(MARKETERS)
    (summary,) = marketer.get(f"/api/journeys/{journey.pk}/experiments/").json()["experiments"]
    assert (summary["status"], summary["winner"], summary["weights"]) == ("decided", "B", {"A": 0.0, "B": 100.0})


def test_bandit_weights_are_listed_as_the_split_routes_now(populated):
    journey, experiment = populated
    experiment.bandit = True
    experiment.weights = {"A": 20, "B": 80}
    experiment.save()
    client, _ = api_as(MARKETERS)
    (summary,) = client.get(f"/api/journeys/{journey.pk}/experiments/").json()["experiments"]
    assert (summary["status"], summary["bandit"], summary["weights"]) == ("running", True, {"A": 20.0, "B": 80.0})


def test_graph_weights_that_do_not_sum_to_100_are_listed_as_the_shares_the_split_routes():
    # A draft may hold such weights (publishing refuses them); the split scales them to 100.
    assert live_weights(None, [{"key": "A", "weight": 30}, {"key": "B", "weight": 10}]) == {"A": 75.0, "B": 25.0}
    assert live_weights(None, [{"key": "A", "weight": 0}]) == {"A": 0.0}


def test_only_reviewers_and_admins_decide_through_the_api(populated):
    journey, _ = populated
    url = f"/api/journeys/{journey.pk}/experiments/s/decisions/"
    marketer, _ = api_as(MARKETERS)
    assert marketer.post(url, {"kind": "winner", "variant": "B"}, format="json").status_code == 403
    assert not ExperimentDecision.objects.exists()

    reviewer, user = api_as(REVIEWERS)
    response = reviewer.post(url, {"kind": "winner", "variant": "B"}, format="json")
    assert response.status_code == 201
    assert response.json()["decided_by"] == user.username
    assert reviewer.post(url, {"kind": "stop", "variant": "A"}, format="json").status_code == 409


def test_the_schema_documents_the_report_endpoints(db):
    client, _ = api_as(REVIEWERS)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in [
        "/api/journeys/{journey_id}/report/",
        "/api/journeys/{journey_id}/experiments/",
        "/api/journeys/{journey_id}/experiments/{node_id}/",
        "/api/journeys/{journey_id}/experiments/{node_id}/decisions/",
    ]:
        assert path in schema["paths"], path
