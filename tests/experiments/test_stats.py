"""Published reference values for the experiment statistics, to 4 decimals, plus the edge cases.

Sources are named next to each case. Expected values are typed from the publications, not from this code's output.
"""

import warnings

import numpy as np
import pytest

from journeys.experiments.stats import (
    METHOD_CHANCE_TO_BEAT,
    METHOD_DIFFERENCE,
    METHOD_LIFT,
    METHOD_P_ADJUSTED,
    METHOD_P_VALUE,
    METHOD_RATE,
    VariantCounts,
    chance_to_beat,
    experiment_summary,
    holm_adjust,
    newcombe_difference,
    required_sample_size,
    sample_ratio_check,
    wilson_interval,
)


def arm(key, exposed, conversions, *, control=False, weight=1.0):
    return VariantCounts(key=key, exposed=exposed, conversions=conversions, weight=weight, control=control)


def by_key(summary, key):
    return next(v for v in summary.variants if v.key == key)


def check(summary, name):
    return next(c for c in summary.checks if c.name == name)


# --- The reference case from the issue: control 100/1000, variant 120/1000 ---------------------------------------


@pytest.fixture
def reference():
    return experiment_summary([arm("control", 1000, 100, control=True), arm("b", 1000, 120)])


def test_reference_case_pooled_z_test_p_value_is_0_1529(reference):
    p = by_key(reference, "b").p_value
    assert round(p.value, 4) == 0.1529
    assert p.method == METHOD_P_VALUE


def test_reference_case_newcombe_interval_is_minus_0_0075_to_0_0476(reference):
    diff = by_key(reference, "b").difference
    assert round(diff.value, 4) == 0.0200
    assert (round(diff.low, 4), round(diff.high, 4)) == (-0.0075, 0.0476)
    assert diff.method == METHOD_DIFFERENCE


def test_reference_case_chance_to_beat_control_is_0_9232(reference):
    chance = by_key(reference, "b").chance_to_beat_control
    assert round(chance.value, 4) == 0.9232
    assert chance.method == METHOD_CHANCE_TO_BEAT


def test_reference_case_relative_lift_is_20_percent_with_katz_interval(reference):
    # Katz et al. (1978) log interval for the risk ratio 1.2: exp(ln 1.2 +/- 1.96 * sqrt(1/120 - 1/1000 + 1/100 -
    # 1/1000)) = (0.9341, 1.5416), worked by hand from the formula; the lift is the ratio minus 1.
    lift = by_key(reference, "b").relative_lift
    assert round(lift.value, 4) == 0.2000
    assert (round(lift.low, 4), round(lift.high, 4)) == (-0.0659, 0.5416)
    assert lift.method == METHOD_LIFT


def test_reference_case_with_one_treatment_has_no_holm_adjustment(reference):
    assert by_key(reference, "b").p_value_adjusted is None


# --- Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 --------------------------------------


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_interval_matches_the_published_table(x1, n1, x2, n2, low, high):
    diff = newcombe_difference(arm("v", n1, x1), arm("c", n2, x2, control=True))
    assert (round(diff.low, 4), round(diff.high, 4)) == (low, high)


# --- Wilson interval: Newcombe (1998), Statistics in Medicine 17:857-872, examples for method 3 ------------------


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_the_published_examples(x, n, low, high):
    rate = wilson_interval(x, n)
    assert (round(rate.low, 4), round(rate.high, 4)) == (low, high)
    assert rate.method == METHOD_RATE


# --- Chance to beat control ---------------------------------------------------------------------------------------


def test_chance_to_beat_agrees_with_a_monte_carlo_estimate_on_unbalanced_counts():
    # The exact sum picks among four equivalent forms; a simulation checks the chosen form on uneven arms.
    control, variant = arm("c", 400, 37, control=True), arm("v", 250, 31)
    rng = np.random.default_rng(20240601)
    draws = 2_000_000
    simulated = np.mean(rng.beta(32, 220, draws) > rng.beta(38, 364, draws))
    assert chance_to_beat(variant, control).value == pytest.approx(simulated, abs=0.002)


def test_chance_to_beat_is_symmetric_and_one_half_for_identical_arms():
    a, b = arm("a", 5000, 4700), arm("b", 3000, 2900)
    assert chance_to_beat(a, b).value + chance_to_beat(b, a).value == pytest.approx(1, abs=1e-9)
    assert chance_to_beat(arm("x", 80, 10), arm("y", 80, 10)).value == pytest.approx(0.5, abs=1e-9)


def test_chance_to_beat_handles_large_traffic():
    control, variant = arm("c", 5_000_000, 2_500_000, control=True), arm("v", 5_000_000, 2_503_000)
    value = chance_to_beat(variant, control).value
    # P(N > 0) for a normal approximation, which is near-exact at this size: 3000 / sqrt(2 * 5e6 * 0.25) z ~ 1.897.
    assert value == pytest.approx(0.9711, abs=0.0005)


# --- Holm ----------------------------------------------------------------------------------------------------------


def test_holm_adjusts_a_small_worked_example():
    # Holm (1979) step-down: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, then max(0.06, 0.04*1) = 0.06.
    assert holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_two_treatments_get_holm_adjusted_p_values():
    summary = experiment_summary([arm("c", 1000, 100, control=True), arm("b", 1000, 120), arm("d", 1000, 140)])
    b, d = by_key(summary, "b"), by_key(summary, "d")
    raw = sorted([b.p_value.value, d.p_value.value])
    assert d.p_value_adjusted.value == pytest.approx(2 * raw[0])
    assert b.p_value_adjusted.value == pytest.approx(max(2 * raw[0], raw[1]))
    assert b.p_value_adjusted.method == METHOD_P_ADJUSTED


# --- Sample ratio mismatch ----------------------------------------------------------------------------------------


def test_srm_flags_the_published_kohavi_example_red():
    # Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 3: a 50/50 design with 821,588
    # control vs 815,482 treatment users; the book gives p = 1.8e-6.
    result = sample_ratio_check([arm("c", 821_588, 0, control=True), arm("t", 815_482, 0)])
    assert result.level == "red"
    assert result.value == pytest.approx(1.8e-6, abs=0.05e-6)


def test_srm_uses_the_configured_weights_not_an_even_split():
    # 2,000 vs 1,000 on a 2:1 design is exactly on plan; on an even split it would be a glaring mismatch.
    planned = sample_ratio_check([arm("c", 2000, 0, weight=2), arm("t", 1000, 0, weight=1)])
    assert planned.level == "green"
    assert planned.value == pytest.approx(1.0)
    uneven = sample_ratio_check([arm("c", 2000, 0), arm("t", 1000, 0)])
    assert uneven.level == "red"


def test_srm_stays_green_for_ordinary_noise():
    # chi-square = 2 * 30^2 / 5000 = 0.36 on 1 df -> p = 0.5485.
    result = sample_ratio_check([arm("c", 5030, 0), arm("t", 4970, 0)])
    assert result.level == "green"
    assert round(result.value, 4) == 0.5485


def test_srm_is_red_when_an_arm_configured_for_no_traffic_has_exposures():
    assert sample_ratio_check([arm("c", 100, 0), arm("t", 3, 0, weight=0)]).level == "red"


# --- Sample size ---------------------------------------------------------------------------------------------------


def test_sample_size_matches_the_normal_approximation_for_cohens_h_of_0_2():
    # Two equal groups, two-sided alpha 0.05, 80% power: n = 2 * ((1.95996 + 0.84162) / h)^2 = 392.44 per group for
    # h = 0.2 (Cohen 1988, ch. 6 tabulates 392). A baseline/target pair with h = 0.2 exactly: sin^2 of
    # arcsin(sqrt(0.5)) + 0.1 gives the target rate.
    target = np.sin(np.arcsin(np.sqrt(0.5)) + 0.1) ** 2
    assert required_sample_size(0.5, mde=target - 0.5, relative=False) == 393


def test_sample_size_for_a_10_percent_relative_lift_on_a_10_percent_baseline():
    # h = 2 asin(sqrt(0.11)) - 2 asin(sqrt(0.10)) = 0.032629; n = 2 * (2.801585 / 0.032629)^2 = 14,744.1 -> 14,745.
    assert required_sample_size(0.10, mde=0.10) == 14745


def test_sample_size_check_is_amber_until_every_arm_reaches_the_target():
    summary = experiment_summary([arm("c", 1000, 100, control=True), arm("b", 1000, 120)], mde=0.10)
    result = check(summary, "sample_size")
    assert result.level == "amber"
    assert result.value == 14745


def test_sample_size_is_undefined_when_the_target_rate_leaves_zero_to_one():
    assert required_sample_size(0.95, mde=0.10) is None
    assert required_sample_size(0.0, mde=0.10) is None


# --- Too few conversions ------------------------------------------------------------------------------------------


def test_few_conversions_raise_an_amber_warning_naming_the_arm():
    summary = experiment_summary([arm("c", 1000, 100, control=True), arm("b", 1000, 12)])
    result = check(summary, "too_few_conversions")
    assert result.level == "amber"
    assert "b (12 conversions" in result.message
    assert check(experiment_summary([arm("c", 1000, 100), arm("b", 1000, 120)]), "too_few_conversions").level == (
        "green"
    )


# --- Edge cases ----------------------------------------------------------------------------------------------------


@pytest.fixture
def no_warnings():
    # Edge cases must be handled before the libraries divide by zero, not papered over with nan.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.usefixtures("no_warnings")
def test_zero_exposures_leave_comparisons_empty_with_a_reason():
    summary = experiment_summary([arm("c", 0, 0, control=True), arm("b", 0, 0)])
    b = by_key(summary, "b")
    assert b.rate.value is None
    assert b.rate.note == "no exposures"
    for figure in (b.difference, b.relative_lift, b.p_value, b.chance_to_beat_control):
        assert figure.value is None
        assert figure.note
    assert check(summary, "sample_ratio_mismatch").level == "grey"
    assert check(summary, "sample_size").level == "grey"


@pytest.mark.usefixtures("no_warnings")
def test_zero_conversions_everywhere_has_no_p_value_but_an_interval():
    summary = experiment_summary([arm("c", 500, 0, control=True), arm("b", 500, 0)])
    b = by_key(summary, "b")
    assert b.p_value.value is None
    assert "no variation" in b.p_value.note
    assert b.difference.value == 0
    assert b.difference.low < 0 < b.difference.high
    assert b.relative_lift.value is None
    assert b.chance_to_beat_control.value == pytest.approx(0.5)


@pytest.mark.usefixtures("no_warnings")
def test_hundred_percent_conversion_is_handled():
    summary = experiment_summary([arm("c", 50, 50, control=True), arm("b", 50, 50)])
    b = by_key(summary, "b")
    assert b.rate.value == 1
    assert b.rate.high == pytest.approx(1)
    assert b.p_value.value is None
    assert b.relative_lift.value == 0
    assert b.relative_lift.low is None


@pytest.mark.usefixtures("no_warnings")
def test_a_variant_with_no_conversions_gets_a_lift_of_minus_one_without_an_interval():
    summary = experiment_summary([arm("c", 200, 20, control=True), arm("b", 200, 0)])
    lift = by_key(summary, "b").relative_lift
    assert lift.value == -1
    assert lift.low is None
    assert "no conversions" in lift.note


@pytest.mark.usefixtures("no_warnings")
def test_without_a_control_comparisons_are_skipped_with_a_reason():
    summary = experiment_summary([arm("a", 1000, 100), arm("b", 1000, 120)])
    assert summary.control_key is None
    assert "no control" in summary.notes[0]
    assert all(v.difference is None and v.p_value is None for v in summary.variants)
    assert round(by_key(summary, "b").rate.value, 4) == 0.12
    assert check(summary, "sample_ratio_mismatch").level == "green"
    assert check(summary, "sample_size").level == "grey"


@pytest.mark.usefixtures("no_warnings")
def test_a_single_variant_reports_its_rate_and_skips_the_ratio_check():
    summary = experiment_summary([arm("c", 263, 81, control=True)])
    assert len(summary.variants) == 1
    assert round(summary.variants[0].rate.low, 4) == 0.2553
    assert check(summary, "sample_ratio_mismatch").level == "grey"


def test_an_empty_experiment_returns_an_empty_summary():
    summary = experiment_summary([])
    assert summary.variants == ()
    assert summary.notes == ("no variants",)


def test_inconsistent_input_is_rejected():
    with pytest.raises(ValueError, match="exceed"):
        arm("b", 10, 11)
    with pytest.raises(ValueError, match="negative"):
        arm("b", -1, 0)
    with pytest.raises(ValueError, match="unique"):
        experiment_summary([arm("b", 10, 1), arm("b", 10, 1)])
    with pytest.raises(ValueError, match="control"):
        experiment_summary([arm("a", 10, 1, control=True), arm("b", 10, 1, control=True)])
