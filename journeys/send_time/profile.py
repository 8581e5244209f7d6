"""Hour-of-week engagement profiles and the empirical-Bayes shrinkage that makes them usable.

A customer's profile is 168 counts of engagements (opens, clicks, sessions), one per local hour
of the week (Monday 00:00 is 0). Few customers have enough history to be read alone, so the
estimate is the posterior mean under a Dirichlet prior centred on the population's shares:

    p_h = (n_h + a * pi_h) / (N + a)

with `a` (the prior strength, in pseudo-engagements) estimated from the data itself by the method
of moments of the Dirichlet-multinomial: customers who differ from the population more than
multinomial noise explains pull `a` down (trust individuals sooner), customers who look alike
push it up. A customer with no history gets the population's pattern unchanged.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

HOURS_IN_WEEK = 168
# Bounds on the prior strength: below 1 one engagement would decide everything; above 1000 the
# population would override even customers with years of history.
MIN_STRENGTH = 1.0
MAX_STRENGTH = 1000.0
# Added to each population count so an hour nobody engaged in keeps a small non-zero share.
POPULATION_SMOOTHING = 0.5
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SendTimeView:
    """What the wait node reads for one customer: their counts and the population prior."""

    counts: tuple[int, ...]  # 168, empty when the customer has no history
    population: tuple[float, ...]  # 168 shares summing to 1, empty before the first refresh
    strength: float

    @property
    def evidence(self) -> int:
        return sum(self.counts)


def hour_of_week(moment: datetime, zone: tzinfo) -> int:
    local = moment.astimezone(zone)
    return local.weekday() * 24 + local.hour


def describe_hour(how: int) -> str:
    return f"{DAY_NAMES[how // 24]} {how % 24:02d}:00"


def population_shares(totals: Sequence[float]) -> list[float]:
    """The population's share of engagements per hour of week, lightly smoothed."""
    smoothed = [max(0.0, float(value)) + POPULATION_SMOOTHING for value in totals]
    whole = sum(smoothed)
    return [value / whole for value in smoothed]


def estimate_strength(profiles: Sequence[Sequence[int]], population: Sequence[float]) -> float:
    """The Dirichlet prior strength `a` by the method of moments.

    For a customer with N engagements drawn from shares p ~ Dirichlet(a * pi), the expected squared
    distance of their observed shares from pi is c / N * (N + a) / (1 + a), with c = 1 - sum(pi^2).
    Summing over customers and solving for `a` gives the estimate; it is clamped to a sane range.
    """
    c = 1.0 - sum(share * share for share in population)
    distance = inverse_n = 0.0
    customers = 0
    for counts in profiles:
        total = sum(counts)
        if total < 2:  # one engagement says nothing about spread
            continue
        customers += 1
        inverse_n += 1.0 / total
        distance += sum((count / total - share) ** 2 for count, share in zip(counts, population, strict=True))
    if not customers:
        return MAX_STRENGTH
    # The distance runs from c * sum(1/N) (everyone alike, a -> infinity) to c * customers (each
    # customer engages at one hour only, a -> 0).
    alike, apart = c * inverse_n, c * customers
    if distance <= alike:
        return MAX_STRENGTH
    if distance >= apart:
        return MIN_STRENGTH
    strength = (apart - distance) / (distance - alike)
    return min(MAX_STRENGTH, max(MIN_STRENGTH, strength))


def shrunk_shares(view: SendTimeView) -> list[float]:
    """The customer's posterior mean shares per hour of week."""
    if not view.counts:
        return list(view.population)
    total = view.evidence
    return [
        (count + view.strength * share) / (total + view.strength)
        for count, share in zip(view.counts, view.population, strict=True)
    ]


def best_slot(now: datetime, until: datetime, shares: Sequence[float], zone: tzinfo) -> tuple[datetime, int]:
    """The moment to send within [now, until): the start of the local hour with the largest share.

    The hour under way counts too (sending now). Ties go to the earliest hour, so a flat profile
    does not hold anyone back.
    """
    best_at, best_how, best_share = now, hour_of_week(now, zone), shares[hour_of_week(now, zone)]
    local = now.astimezone(zone)
    slot = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while slot < until:
        how = hour_of_week(slot, zone)
        if shares[how] > best_share:
            best_at, best_how, best_share = slot, how, shares[how]
        slot += timedelta(hours=1)
    return best_at, best_how
