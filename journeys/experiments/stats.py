"""Statistics for A/B test report pages.

Pure functions over counts: no ORM, no database. Every figure is returned as a `Figure` that names the method
that produced it, so a report page can show the number, its interval and how it was computed side by side.

All distributions come from scipy and statsmodels; nothing here re-derives a distribution by hand.

Conventions:
- A comparison is always "variant minus control" (difference) or "variant / control - 1" (relative lift).
- Intervals are two-sided at `1 - alpha`. Holm adjusts the p-values only; the intervals are per comparison.
- When a figure cannot be computed honestly (zero exposures, no variation, no control) its `value` is None and
  its `note` says why, instead of raising or printing a misleading number.
"""

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.special import betaln
from scipy.stats import chisquare
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

METHOD_RATE = "Wilson score interval"
METHOD_DIFFERENCE = "Newcombe hybrid score interval (method 10)"
# The Koopman score interval would cover better near zero, but statsmodels 0.15's implementation returns wrong or
# complex bounds when an arm converts 100% (e.g. 5/10 vs 10/10 gives (0.75, 0.79) for a ratio of 0.5), so the
# page uses the Katz log interval and says so; it is undefined when an arm has no conversions.
METHOD_LIFT = "Katz log risk-ratio interval, minus 1"
METHOD_P_VALUE = "Two-proportion z-test, pooled, two-sided"
METHOD_P_ADJUSTED = "Holm step-down adjustment"
METHOD_CHANCE_TO_BEAT = "Exact P(variant > control), Beta(1,1) priors"
METHOD_SRM = "Chi-square goodness of fit against configured weights"
METHOD_MIN_CONVERSIONS = "At least {n} conversions and {n} non-conversions per arm"
METHOD_SAMPLE_SIZE = "Cohen's h, normal approximation, {power:.0%} power, two-sided alpha {alpha:g}"

# Fewer than ~30 events per arm and the normal approximation behind the z-test (and the Katz interval) is poor,
# and one or two extra conversions can move a result across the significance line. 30 is the usual practitioner
# floor; it is a warning, not a gate. Non-conversions count too: the approximation fails the same way near 100%.
MIN_CONVERSIONS = 30
# A chi-square p below 0.001 is the common SRM alarm (Fabijan et al. 2019, Kohavi et al. 2020): strict enough
# that checking every experiment every day rarely raises a false alarm.
SRM_RED_BELOW = 0.001
DEFAULT_MDE = 0.10  # relative: detect a 10% relative change of the control rate
DEFAULT_POWER = 0.80

# The exact chance-to-beat sum has one term per unit of one Beta parameter; summing in chunks bounds memory
# whatever the traffic.
_CHANCE_CHUNK = 1_000_000

Level = Literal["green", "amber", "red", "grey"]


@dataclass(frozen=True)
class VariantCounts:
    """Observed counts for one arm. `weight` is the configured traffic share (any positive scale)."""

    key: str
    exposed: int
    conversions: int
    weight: float = 1.0
    control: bool = False

    def __post_init__(self):
        if self.exposed < 0 or self.conversions < 0:
            raise ValueError(f"variant {self.key!r}: counts cannot be negative")
        if self.conversions > self.exposed:
            raise ValueError(f"variant {self.key!r}: {self.conversions} conversions exceed {self.exposed} exposed")
        if not math.isfinite(self.weight) or self.weight < 0:
            raise ValueError(f"variant {self.key!r}: weight must be a finite number >= 0")


@dataclass(frozen=True)
class Figure:
    """One reported number: value, optional interval, the method's name, and why it is missing if it is."""

    value: float | None
    method: str
    low: float | None = None
    high: float | None = None
    note: str = ""


@dataclass(frozen=True)
class VariantResult:
    """Per-arm figures. Comparison fields are None on the control arm and when there is no control."""

    key: str
    control: bool
    exposed: int
    conversions: int
    rate: Figure
    difference: Figure | None = None
    relative_lift: Figure | None = None
    p_value: Figure | None = None
    p_value_adjusted: Figure | None = None
    chance_to_beat_control: Figure | None = None


@dataclass(frozen=True)
class HealthCheck:
    """A traffic-light check. `value` is the check's headline number (a p-value, a sample size) when it has one."""

    name: str
    level: Level
    message: str
    method: str
    value: float | None = None


@dataclass(frozen=True)
class ExperimentSummary:
    variants: tuple[VariantResult, ...]
    checks: tuple[HealthCheck, ...]
    control_key: str | None
    alpha: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def wilson_interval(conversions: int, exposed: int, *, alpha: float = 0.05) -> Figure:
    """Conversion rate with its Wilson score interval; no value when nobody was exposed."""
    if exposed == 0:
        return Figure(None, METHOD_RATE, note="no exposures")
    low, high = proportion_confint(conversions, exposed, alpha=alpha, method="wilson")
    return Figure(conversions / exposed, METHOD_RATE, float(low), float(high))


def newcombe_difference(variant: VariantCounts, control: VariantCounts, *, alpha: float = 0.05) -> Figure:
    """Variant rate minus control rate with Newcombe's hybrid score interval (1998, method 10)."""
    if variant.exposed == 0 or control.exposed == 0:
        return Figure(None, METHOD_DIFFERENCE, note="an arm has no exposures")
    low, high = confint_proportions_2indep(
        variant.conversions, variant.exposed, control.conversions, control.exposed, method="newcomb", alpha=alpha
    )
    diff = variant.conversions / variant.exposed - control.conversions / control.exposed
    return Figure(diff, METHOD_DIFFERENCE, float(low), float(high))


def relative_lift(variant: VariantCounts, control: VariantCounts, *, alpha: float = 0.05) -> Figure:
    """Variant rate / control rate - 1, with the Katz log interval for the risk ratio shifted by -1."""
    if variant.exposed == 0 or control.exposed == 0:
        return Figure(None, METHOD_LIFT, note="an arm has no exposures")
    if control.conversions == 0:
        return Figure(None, METHOD_LIFT, note="control has no conversions, so a relative change is undefined")
    ratio = (variant.conversions / variant.exposed) / (control.conversions / control.exposed)
    if variant.conversions == 0:
        return Figure(ratio - 1, METHOD_LIFT, note="the Katz interval is undefined when an arm has no conversions")
    if variant.conversions == variant.exposed and control.conversions == control.exposed:
        # Both at 100%: the log-ratio variance is zero and the interval would collapse to a point.
        return Figure(ratio - 1, METHOD_LIFT, note="both arms converted 100%; no interval")
    low, high = confint_proportions_2indep(
        variant.conversions,
        variant.exposed,
        control.conversions,
        control.exposed,
        compare="ratio",
        method="log",
        alpha=alpha,
    )
    return Figure(ratio - 1, METHOD_LIFT, float(low) - 1, float(high) - 1)


def two_proportion_p_value(variant: VariantCounts, control: VariantCounts) -> Figure:
    """Two-sided p-value of the pooled two-proportion z-test (statsmodels `proportions_ztest`)."""
    if variant.exposed == 0 or control.exposed == 0:
        return Figure(None, METHOD_P_VALUE, note="an arm has no exposures")
    pooled = (variant.conversions + control.conversions) / (variant.exposed + control.exposed)
    if pooled in (0.0, 1.0):
        # The pooled standard error is zero: there is no variation to test, and statsmodels would return nan.
        return Figure(None, METHOD_P_VALUE, note="no variation: every customer did the same thing")
    _, p = proportions_ztest(
        [variant.conversions, control.conversions], [variant.exposed, control.exposed], alternative="two-sided"
    )
    return Figure(float(p), METHOD_P_VALUE)


def _beat_sum(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    # P(X_B > X_A) for X_A ~ Beta(a_a, b_a), X_B ~ Beta(a_b, b_b) with integer a_b (Evan Miller's closed form):
    #   sum_{i=0}^{a_b-1} B(a_a+i, b_a+b_b) / ((b_b+i) B(1+i, b_b) B(a_a, b_a))
    # Evaluated in log space with scipy's betaln so large counts neither overflow nor underflow.
    total = 0.0
    for start in range(0, a_b, _CHANCE_CHUNK):
        i = np.arange(start, min(a_b, start + _CHANCE_CHUNK), dtype=np.float64)
        log_terms = betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1 + i, b_b) - betaln(a_a, b_a)
        total += float(np.exp(log_terms).sum())
    return total


def chance_to_beat(variant: VariantCounts, control: VariantCounts) -> Figure:
    """Posterior probability that the variant's rate exceeds the control's, with Beta(1,1) priors.

    Exact, not simulated: with integer Beta parameters P(B > A) has a closed form as a finite sum. The sum runs
    over one parameter; by the identities P(B > A) = 1 - P(A > B) and P(B > A) = P(1-A > 1-B) any of the four
    parameters can be chosen, so the smallest is used (usually the conversions).
    """
    if variant.exposed == 0 or control.exposed == 0:
        return Figure(None, METHOD_CHANCE_TO_BEAT, note="an arm has no exposures")
    a_c, b_c = 1 + control.conversions, 1 + control.exposed - control.conversions
    a_v, b_v = 1 + variant.conversions, 1 + variant.exposed - variant.conversions
    smallest = min(a_v, a_c, b_c, b_v)
    if smallest == a_v:
        p = _beat_sum(a_c, b_c, a_v, b_v)
    elif smallest == a_c:
        p = 1 - _beat_sum(a_v, b_v, a_c, b_c)
    elif smallest == b_c:
        p = _beat_sum(b_v, a_v, b_c, a_c)
    else:
        p = 1 - _beat_sum(b_c, a_c, b_v, a_v)
    # Rounding in a long sum can step a hair outside [0, 1].
    return Figure(min(1.0, max(0.0, p)), METHOD_CHANCE_TO_BEAT)


def holm_adjust(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the order given (statsmodels `multipletests`)."""
    if not p_values:
        return []
    _, adjusted, _, _ = multipletests(p_values, method="holm")
    return [float(p) for p in adjusted]


def sample_ratio_check(variants: list[VariantCounts]) -> HealthCheck:
    """Sample ratio mismatch: chi-square goodness of fit of exposures against the configured weights."""
    name = "sample_ratio_mismatch"
    starved = [v.key for v in variants if v.weight == 0 and v.exposed > 0]
    if starved:
        message = f"exposures on arms configured for no traffic: {', '.join(starved)}"
        return HealthCheck(name, "red", message, METHOD_SRM)
    # An arm with zero weight and zero exposures is simply switched off; it is not part of the split.
    arms = [v for v in variants if v.weight > 0]
    total = sum(v.exposed for v in arms)
    if len(arms) < 2:
        return HealthCheck(name, "grey", "needs at least two arms with traffic weights", METHOD_SRM)
    if total == 0:
        return HealthCheck(name, "grey", "no exposures yet", METHOD_SRM)
    weight_sum = sum(v.weight for v in arms)
    expected = [total * v.weight / weight_sum for v in arms]
    _, p = chisquare([v.exposed for v in arms], expected)
    p = float(p)
    if p < SRM_RED_BELOW:
        observed = ", ".join(f"{v.key} {v.exposed}" for v in arms)
        message = f"traffic split differs from the configured weights (p = {p:.2g}; {observed}); do not trust results"
        return HealthCheck(name, "red", message, METHOD_SRM, p)
    return HealthCheck(name, "green", f"traffic split matches the configured weights (p = {p:.3g})", METHOD_SRM, p)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"  # "1 conversion", "0 conversions"


def min_conversions_check(variants: list[VariantCounts]) -> HealthCheck:
    """Warn when any arm has fewer than MIN_CONVERSIONS conversions (or non-conversions) to conclude from."""
    method = METHOD_MIN_CONVERSIONS.format(n=MIN_CONVERSIONS)
    short = [
        f"{v.key} ({_counted(v.conversions, 'conversion')}, {_counted(v.exposed - v.conversions, 'non-conversion')})"
        for v in variants
        if min(v.conversions, v.exposed - v.conversions) < MIN_CONVERSIONS
    ]
    if short:
        return HealthCheck("too_few_conversions", "amber", "too few to conclude: " + "; ".join(short), method)
    return HealthCheck("too_few_conversions", "green", "every arm has enough conversions", method)


def required_sample_size(
    baseline: float,
    *,
    mde: float = DEFAULT_MDE,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = DEFAULT_POWER,
) -> int | None:
    """Customers needed per arm to detect `mde` from `baseline` (two-sided, equal arms), or None if undefined.

    `mde` is relative to the baseline (0.10 = a 10% relative change) unless `relative` is False, when it is an
    absolute change in the rate. Effect size is Cohen's h; the solve is statsmodels `NormalIndPower`.
    """
    target = baseline * (1 + mde) if relative else baseline + mde
    if not 0 < baseline < 1 or not 0 <= target <= 1 or target == baseline:
        return None
    effect = abs(float(proportion_effectsize(target, baseline)))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    return math.ceil(float(n))


def sample_size_check(
    variants: list[VariantCounts],
    control: VariantCounts | None,
    *,
    mde: float,
    alpha: float,
) -> HealthCheck:
    """Sample size per arm for 80% power at the observed control rate to detect a relative change of `mde`,
    compared with the smallest arm so far."""
    name = "sample_size"
    method = METHOD_SAMPLE_SIZE.format(power=DEFAULT_POWER, alpha=alpha)
    if control is None:
        return HealthCheck(name, "grey", "no control arm, so no baseline rate", method)
    if control.exposed == 0:
        return HealthCheck(name, "grey", "control has no exposures, so no baseline rate", method)
    baseline = control.conversions / control.exposed
    wanted = f"{mde:.0%} relative"
    n = required_sample_size(baseline, mde=mde, alpha=alpha)
    if n is None:
        return HealthCheck(
            name, "grey", f"undefined for a baseline of {baseline:.4f} and a {wanted} minimum detectable effect", method
        )
    smallest = min(v.exposed for v in variants)
    message = f"{n} per arm to detect a {wanted} change from {baseline:.2%}; smallest arm has {smallest}"
    return HealthCheck(name, "green" if smallest >= n else "amber", message, method, float(n))


def experiment_summary(
    variants: list[VariantCounts],
    *,
    alpha: float = 0.05,
    mde: float = DEFAULT_MDE,
) -> ExperimentSummary:
    """Every figure and health check for one experiment, each variant compared with the control.

    Raises ValueError for inconsistent input (duplicate keys, more than one control); states the data cannot
    support (no control, one arm, zero exposures) come back as figures with a note, never as an exception.
    """
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        raise ValueError("variant keys must be unique")
    controls = [v for v in variants if v.control]
    if len(controls) > 1:
        raise ValueError("at most one variant can be the control")
    control = controls[0] if controls else None
    notes: list[str] = []
    if not variants:
        notes.append("no variants")
    elif control is None:
        notes.append("no control variant: comparisons skipped")
    elif len(variants) == 1:
        notes.append("only the control: nothing to compare")

    treatments = [v for v in variants if not v.control] if control else []
    p_values = {v.key: two_proportion_p_value(v, control) for v in treatments}
    adjusted: dict[str, Figure] = {}
    if len(treatments) > 1:
        # Only comparisons that produced a p-value are tests; an arm with no data is not counted in the family.
        tested = [key for key, fig in p_values.items() if fig.value is not None]
        for key, p in zip(tested, holm_adjust([p_values[k].value for k in tested]), strict=True):
            adjusted[key] = Figure(p, METHOD_P_ADJUSTED)
        for key in p_values.keys() - adjusted.keys():
            adjusted[key] = Figure(None, METHOD_P_ADJUSTED, note=p_values[key].note)

    results = []
    for v in variants:
        rate = wilson_interval(v.conversions, v.exposed, alpha=alpha)
        if control is None or v.control:
            results.append(VariantResult(v.key, v.control, v.exposed, v.conversions, rate))
            continue
        results.append(
            VariantResult(
                key=v.key,
                control=False,
                exposed=v.exposed,
                conversions=v.conversions,
                rate=rate,
                difference=newcombe_difference(v, control, alpha=alpha),
                relative_lift=relative_lift(v, control, alpha=alpha),
                p_value=p_values[v.key],
                p_value_adjusted=adjusted.get(v.key),
                chance_to_beat_control=chance_to_beat(v, control),
            )
        )

    checks: tuple[HealthCheck, ...] = ()
    if variants:
        checks = (
            sample_ratio_check(variants),
            min_conversions_check(variants),
            sample_size_check(variants, control, mde=mde, alpha=alpha),
        )
    return ExperimentSummary(
        variants=tuple(results),
        checks=checks,
        control_key=control.key if control else None,
        alpha=alpha,
        notes=tuple(notes),
    )
