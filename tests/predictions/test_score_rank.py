"""A score's rank is counted from the nearer end: "bottom 1 %", never "top 100 %" (walk #21).

The condition's reason (journeys.conditions.evaluation) and the customer profile's table say the same."""

import pytest
from django.template.loader import render_to_string

from journeys.conditions import evaluate
from journeys.conditions.evaluation import percentile_rank
from tests.predictions.test_conditions import NOW, no_events, scored, view_of  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("percentile", "shown"),
    [(0.95, "top 5 %"), (0.999, "top 1 %"), (0.5, "top 50 %"), (0.2, "bottom 20 %"), (0.0, "bottom 1 %")],
)
def test_the_rank_is_counted_from_the_nearer_end(percentile, shown):
    assert percentile_rank(percentile) == shown
    top_percent = max(1, round((1 - percentile) * 100))  # what the profile's selector gives the template
    html = render_to_string("predictions/_customer_scores.html", {"scores": [fake_score(top_percent)]})
    assert f"<td>{shown}</td>" in html


def test_the_conditions_reason_says_bottom_for_a_low_score(scored):  # noqa: F811
    prediction, customers = scored
    top = {"type": "prediction", "prediction": prediction.pk, "top_percent": 10}
    matched, reason = evaluate(top, view_of(customers[0]), no_events, NOW)  # the lowest score
    assert not matched
    assert reason.startswith("likelihood to order 0.00, bottom 1 %") and "top 100" not in reason


class _Prediction:
    pk = 1


def fake_score(top_percent: int) -> dict:
    return {"prediction": _Prediction(), "name": "likelihood", "score": 0.5, "top_percent": top_percent,
            "reason": "", "scored_at": NOW}  # fmt: skip
