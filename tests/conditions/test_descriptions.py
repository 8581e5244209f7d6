from journeys.conditions import describe_condition
from tests.conditions.helpers import attr


def test_describe_condition_reads_as_a_sentence():
    condition = {
        "any": [
            {"all": [attr("plan", "eq", "pro"), {"type": "consent", "channel": "email"}]},
            {"type": "event", "event": "Order Completed", "min_count": 3, "within_days": 30, "filters": []},
        ]
    }
    assert describe_condition(condition) == (
        "(plan = 'pro' and consented to email) or did Order Completed at least 3 times in 30 days"
    )
