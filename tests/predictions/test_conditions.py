"""The prediction condition: thresholds and top shares mean the same in Python and SQL; reasons name features."""

from datetime import UTC, datetime

import pytest

from bench.synthetic import generate_customers
from journeys.conditions import clean_condition, describe_condition, evaluate
from journeys.engine.audience import audience_customer_ids
from journeys.models import Customer, PredictionScore, PredictionTraining
from journeys.nodes.base import CustomerView
from journeys.predictions import services
from journeys.predictions import spec as specs
from tests.conditions.helpers import sql_ids
from tests.factories import make_source
from tests.predictions.test_features import SPEC

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ORDERS_30D = specs.feature_names(SPEC).index("event0_30d")


def no_events(**_):
    return 0


def view_of(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        external_id=customer.external_id,
        email=customer.email,
        phone=customer.phone,
        timezone=customer.timezone,
        attributes=customer.attributes,
        consent=customer.consent,
    )


@pytest.fixture
def scored(db):
    """Ten customers scored 0.0 to 0.9 (percentiles the same), and one without a score."""
    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    run = PredictionTraining.objects.create(prediction=prediction, status="done", spec=SPEC)
    prediction.current_training = run
    prediction.save()
    customers = [Customer.objects.create(attributes={"plan": "pro" if i % 2 else "free"}) for i in range(11)]
    PredictionScore.objects.bulk_create(
        PredictionScore(
            prediction=prediction,
            customer=c,
            score=i / 10,
            percentile=i / 10,
            reason_features=[ORDERS_30D],
            reason_values=[float(i)],
            scored_at=NOW,
        )
        for i, c in enumerate(customers[:10])
    )
    return prediction, customers


CASES = [
    {"op": "gte", "value": 0.7},
    {"op": "gt", "value": 0.7},
    {"op": "lt", "value": 0.3},
    {"op": "lte", "value": 0.3},
    {"op": "gte", "value": 0},
    {"top_percent": 10},
    {"top_percent": 35},
    {"top_percent": 100},
]


@pytest.mark.parametrize("case", CASES)
def test_python_and_sql_pick_the_same_customers(scored, case):
    prediction, customers = scored
    leaf, errors = clean_condition({"type": "prediction", "prediction": prediction.pk, **case})
    assert not errors
    for condition in (leaf, {"not": leaf}, {"all": [leaf, {"type": "attribute", "attribute": "plan", "value": "pro"}]}):
        in_python = {c.id for c in customers if evaluate(condition, view_of(c), no_events, NOW)[0]}
        assert sql_ids(condition, NOW) == in_python
        assert audience_customer_ids(condition, now=NOW) == sorted(in_python)


def test_thresholds_and_top_shares_pick_the_expected_customers(scored):
    prediction, customers = scored
    high = {"type": "prediction", "prediction": prediction.pk, "op": "gte", "value": 0.7}
    assert sql_ids(high, NOW) == {c.id for c in customers[7:10]}
    top = {"type": "prediction", "prediction": prediction.pk, "top_percent": 10}
    assert sql_ids(top, NOW) == {customers[9].id}


def test_the_reason_names_the_score_and_the_features_behind_it(scored):
    prediction, customers = scored
    high = {"type": "prediction", "prediction": prediction.pk, "op": "gte", "value": 0.7}
    matched, reason = evaluate(high, view_of(customers[8]), no_events, NOW)
    assert matched
    assert reason == "likelihood to order 0.80 (Order Completed in the last 30 days: 8)"
    matched, reason = evaluate(high, view_of(customers[2]), no_events, NOW)
    assert not matched
    assert reason == "likelihood to order 0.20 (Order Completed in the last 30 days: 2), needs ≥ 0.7"
    top = {"type": "prediction", "prediction": prediction.pk, "top_percent": 10}
    assert evaluate(top, view_of(customers[9]), no_events, NOW)[1].startswith("likelihood to order 0.90, top 10 %")


def test_a_customer_without_a_score_does_not_match_and_is_told_why(scored):
    prediction, customers = scored
    leaf = {"type": "prediction", "prediction": prediction.pk, "op": "lt", "value": 1}
    assert evaluate(leaf, view_of(customers[10]), no_events, NOW) == (False, "no likelihood to order score yet")
    gone = {"type": "prediction", "prediction": prediction.pk + 99, "op": "lt", "value": 1}
    assert evaluate(gone, view_of(customers[0]), no_events, NOW)[0] is False


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        ({"prediction": "x", "op": "gte", "value": 0.5}, "prediction: needs the id of a prediction"),
        ({"prediction": 1, "op": "eq", "value": 0.5}, "op: must be one of gt, gte, lt, lte, not 'eq'"),
        ({"prediction": 1, "op": "gte", "value": 1.5}, "value: must be a score from 0 to 1 (or use top_percent)"),
        ({"prediction": 1, "top_percent": 0}, "top_percent: must be a number above 0 and at most 100"),
        ({"prediction": 1, "top_percent": 10, "op": "gte"}, "either top_percent or op and value, not both"),
        ({"prediction": 1, "top_percent": 10, "bad": 1}, "unknown key 'bad'"),
    ],
)
def test_bad_prediction_conditions_are_refused_with_the_field_named(leaf, message):
    tree, errors = clean_condition({"type": "prediction", **leaf})
    assert tree is None
    assert message in errors


def test_descriptions_read_as_words():
    top = {"type": "prediction", "prediction": 3, "top_percent": 10}
    assert describe_condition(top) == "prediction #3 in the top 10 %"
    assert describe_condition({"type": "prediction", "prediction": 3, "op": "gte", "value": 0.7}) == (
        "prediction #3 ≥ 0.7"
    )


def test_a_trained_model_explains_a_score_with_its_strongest_features_and_keeps_the_explanation(db):
    source = make_source()
    planted = generate_customers(customers=2000, now=NOW, source_id=source.pk, seed=5)
    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    run, _ = services.training_request(prediction=prediction, now=NOW)
    assert services.training_run(run_id=run.pk, now=NOW).status == "done"
    customer = Customer.objects.get(pk=int(planted.customer_ids[0]))
    leaf = {"type": "prediction", "prediction": prediction.pk, "op": "gte", "value": 0}
    matched, reason = evaluate(leaf, view_of(customer), no_events, NOW)
    assert matched
    score = PredictionScore.objects.get(prediction=prediction, customer=customer)
    assert reason.startswith(f"likelihood to order {score.score:.2f} (")
    assert len(score.reason_features) == 3
    labels = specs.feature_labels(run.spec if run.spec else PredictionTraining.objects.get(pk=run.pk).spec)
    assert labels[score.reason_features[0]] in reason
