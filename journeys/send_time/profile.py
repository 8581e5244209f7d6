"""Hour-of-week engagement profiles and the empirical-Bayes shrinkage that makes them usable.

A customer's profile is 168 counts of engagements (opens, clicks, sessions), one per local hour
of the week (Monday 00:00 is 0). Few customers have enough history to be read alone, so the
estimate is the posterior mean under a Dirichlet prior centred on the population's shares:

    p_h = (n_h + a * pi_h) / (N + a)

with `a` (the prior strength, in pseudo-engagements) estimated from the data itself by the method
of moments of the Dirichlet-multinomial: customers who differ from the population more than
multinomial noise explains pull `a` down (trust individuals sooner), customers who look alike
push it up. A customer with no history gets the population's pattern unchanged.

It is done in two levels, because habits are mostly daily: first the customer's hour of day
(their counts summed over the week, lightly smoothed between neighbouring hours) is shrunk toward
the population's hour of day; that, spread over the days as the population spreads each hour, is
the prior that their hour-of-week counts are shrunk toward. Each level has its own strength.
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
SMOOTHING_KERNEL = (0.25, 0.5, 0.25)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SendTimeView:
    """What the wait node reads for one customer: their counts and the population prior."""

    counts: tuple[int, ...]  # 168, empty when the customer has no history
    population: tuple[float, ...]  # 168 shares summing to 1, empty before the first refresh
    strength: float  # prior strength of the hour-of-week level
    hour_strength: float = MAX_STRENGTH  # prior strength of the hour-of-day level

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


def estimate_strength(
    profiles: Sequence[Sequence[int]], population: Sequence[float] | Sequence[Sequence[float]]
) -> float:
    """The Dirichlet prior strength `a` by the method of moments.

    For a customer with N engagements drawn from shares p ~ Dirichlet(a * pi), the expected squared
    distance of their observed shares from pi is c / N * (N + a) / (1 + a), with c = 1 - sum(pi^2).
    Summing over customers and solving for `a` gives the estimate; it is clamped to a sane range.
    """
    shared = bool(population) and not isinstance(population[0], Sequence)
    distance = alike = apart = 0.0
    customers = 0
    for number, counts in enumerate(profiles):
        total = sum(counts)
        if total < 2:  # one engagement says nothing about spread
            continue
        prior = population if shared else population[number]
        c = 1.0 - sum(share * share for share in prior)
        customers += 1
        alike += c / total
        apart += c
        distance += sum((count / total - share) ** 2 for count, share in zip(counts, prior, strict=True))
    if not customers:
        return MAX_STRENGTH
    # The distance runs from sum(c/N) (everyone alike, a -> infinity) to sum(c) (each customer
    # engages at one hour only, a -> 0).
    if distance <= alike:
        return MAX_STRENGTH
    if distance >= apart:
        return MIN_STRENGTH
    strength = (apart - distance) / (distance - alike)  # solves distance = sum(c/N * (N+a)/(1+a))
    return min(MAX_STRENGTH, max(MIN_STRENGTH, strength))


def hours_of_day(values: Sequence[float]) -> list[float]:
    """Hour-of-week values summed over the seven days, per hour of the day."""
    return [sum(values[day * 24 + hour] for day in range(7)) for hour in range(24)]


def smooth_hours(values: Sequence[float]) -> list[float]:
    """Spread each hour's count a little onto its neighbours (round the clock), keeping the total.

    Someone who opens at 19:05 and at 19:55 would as gladly open at 18:50 or 20:10: engagement
    times are a noisy reading of a habit that is smooth in the time of day.
    """
    n = len(values)
    return [
        SMOOTHING_KERNEL[0] * values[(i - 1) % n]
        + SMOOTHING_KERNEL[1] * values[i]
        + SMOOTHING_KERNEL[2] * values[(i + 1) % n]
        for i in range(n)
    ]


def personal_prior(counts: Sequence[int], population: Sequence[float], hour_strength: float) -> list[float]:
    """The hour-of-week prior for one customer: their own hour-of-day habit, shrunk toward the
    population's, spread over the days of the week as the population spreads each hour.

    Habits are mostly daily (the same evening hour most days), so 15 engagements say a good deal
    about a customer's hour of day and little about each of 168 hours of the week: pooling the
    days first lets a short history count.
    """
    population_by_hour = hours_of_day(population)
    own_by_hour = smooth_hours(hours_of_day(counts))
    total = sum(own_by_hour)
    by_hour = [
        (own + hour_strength * share) / (total + hour_strength)
        for own, share in zip(own_by_hour, population_by_hour, strict=True)
    ]
    return [by_hour[how % 24] * population[how] / population_by_hour[how % 24] for how in range(HOURS_IN_WEEK)]


def shrunk_shares(view: SendTimeView) -> list[float]:
    """The customer's posterior mean shares per hour of week (two levels: hour of day, then of week)."""
    if not view.counts:
        return list(view.population)
    prior = personal_prior(view.counts, view.population, view.hour_strength)
    total = view.evidence
    return [
        (count + view.strength * share) / (total + view.strength)
        for count, share in zip(view.counts, prior, strict=True)
    ]


def learn_strengths(profiles: Sequence[Sequence[int]], population: Sequence[float]) -> tuple[float, float]:
    """(hour-of-week strength, hour-of-day strength) for the two-level shrinkage, by the method of moments.

    The hour-of-day level is estimated on the profiles summed per hour of day against the
    population's; the hour-of-week level against each customer's personal prior.
    """
    hour_strength = estimate_strength([hours_of_day(counts) for counts in profiles], hours_of_day(population))
    priors = [personal_prior(counts, population, hour_strength) for counts in profiles]
    return estimate_strength(profiles, priors), hour_strength


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
