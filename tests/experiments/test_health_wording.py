"""The too-few-conversions warning counts in words that agree with the number (walk #21)."""

from journeys.experiments.stats import VariantCounts, min_conversions_check


def test_one_conversion_and_one_non_conversion_are_singular():
    check = min_conversions_check(
        [VariantCounts(key="email", exposed=3, conversions=2, weight=1), VariantCounts("sms", 2, 1, 1)]
    )
    assert "email (2 conversions, 1 non-conversion)" in check.message
    assert "sms (1 conversion, 1 non-conversion)" in check.message


def test_zero_and_many_are_plural():
    check = min_conversions_check([VariantCounts(key="email", exposed=0, conversions=0, weight=1)])
    assert "email (0 conversions, 0 non-conversions)" in check.message
