"""Hour-of-week engagement profiles, the population's habit classes, and the best slot in a window.

A customer's profile is 168 counts of engagements (opens, clicks, sessions), one per local hour
of the week (Monday 00:00 is 0). Few customers have enough history to be read alone, and the
population is not one pattern but a mixture of habits (evening people, morning people, people
who engage at some other hour). Shrinking a sparse customer toward the population's *mean* gives
everyone the most common habit; instead the population is summarised as a mixture of habit
classes, learnt by EM (a mixture of multinomials), and each customer gets their posterior over
the classes by Bayes' rule:

    r_c = w_c * prod_h m_ch ^ n_h / sum_c' (w_c' * prod_h m_c'h ^ n_h)

Their expected share of engagements per hour is sum_c r_c * m_ch. With no history r = w (the
population's pattern); two engagements at 08:xx already make "morning" the likely class even when
most of the population is evening; with dozens the posterior sits on the class that fits.

Habits are daily, and weekends differ from weekdays (later, or another time altogether) while
still resembling the same person's weekdays. So a class `c` is a pair: a weekday class k and a
weekend class j, each a distribution over the 24 hours of the day, with a learnt joint weight
w_kj (which weekend habits go with which weekday ones). The share of each day of the week is the
population's. A weekday engagement tells about k, a weekend one about j, and through w_kj each
tells something about the other.

Classes are smoothed along the time of day (a Gaussian kernel of 1 hour): a habit is a time of
day, engagements are a noisy reading of it. Every class starts at one hour of the day and is held
toward that start by one pseudo-engagement, so an hour that few customers favour still has a
class to recognise a customer by.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import numpy as np

HOURS_IN_WEEK = 168
# Added to each population count so an hour nobody engaged in keeps a small non-zero share.
POPULATION_SMOOTHING = 0.5
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Habit classes, for weekdays and for weekends alike: one starting at each hour of the day. Fewer
# (8, 16) lost up to 0.02 of the uplift share on the synthetic base, more (32, 48) gained nothing.
HABIT_CLASSES = 24
# Width (hours) of the time-of-day smoothing of each class; 0.5 and 1.5 both scored lower than 1.
HABIT_SMOOTHING_HOURS = 1.0
# Pseudo-engagements holding each class toward its starting shape (a bump at its hour).
HABIT_PSEUDO_COUNT = 1.0
HABIT_MAX_ITERATIONS = 100
# Stop when the mean log-likelihood per engagement improves by less than this.
HABIT_TOLERANCE = 1e-6
# The classes are population-level shapes: a systematic sample of this many profiled customers
# learns them as well as everyone, and bounds the refresh's time and memory on a large base.
HABIT_FIT_CUSTOMERS = 10_000
# Customers per block of the E-step, to bound its memory.
HABIT_CHUNK = 5_000
# Pseudo-customers added to each weight (pair or solo habit): Laplace smoothing. 0.04 and 0.01
# scored within 0.001 on the synthetic base and took three times as many iterations.
HABIT_WEIGHT_PSEUDO_COUNT = 1.0

# Names for a class by the hour of day it peaks at.
HABIT_NAMES = ((5, "night"), (11, "morning"), (17, "daytime"), (23, "evening"), (24, "night"))
# A class whose busiest hour of the day has less than this many times an even share is "anytime".
ANYTIME_PEAK_RATIO = 1.5


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


def habit_name(by_hour: Sequence[float]) -> str:
    """'morning', 'evening', ... by the hour of day (24 values) a class peaks at; 'anytime' when it hardly peaks."""
    peak = max(range(24), key=by_hour.__getitem__)
    if by_hour[peak] * 24 < ANYTIME_PEAK_RATIO * sum(by_hour):
        return "anytime"
    return next(name for end, name in HABIT_NAMES if peak < end)


WEEKDAYS = 5  # Monday to Friday; Saturday and Sunday are the weekend


@dataclass(frozen=True)
class Habits:
    """The population's habits: weekday and weekend classes, how they pair up, and the day shares.

    A class is a distribution over the 24 hours of the day. A customer has one weekday class k and
    one weekend class j, drawn together with probability pairs[k, j]; an engagement on day d at
    hour h has probability days[d] * weekday[k, h] (Monday-Friday) or days[d] * weekend[j, h].
    Or, with probability solo[u], the customer has a habit of their own around hour u, all week
    (shape solo_shapes[u], a fixed bump): the classes follow the crowd, and without these a
    customer whose hour nobody else shares could never be recognised, however long their history.
    """

    pairs: np.ndarray  # K x K
    weekday: np.ndarray  # K x 24, each row summing to 1
    weekend: np.ndarray  # K x 24, each row summing to 1
    solo: np.ndarray  # U; pairs and solo together sum to 1
    solo_shapes: np.ndarray  # U x 24, each row summing to 1
    days: np.ndarray  # 7, the population's share of engagements per day of the week
    weekday_names: tuple[str, ...] = field(init=False, compare=False)
    weekend_names: tuple[str, ...] = field(init=False, compare=False)
    solo_names: tuple[str, ...] = field(init=False, compare=False)
    log_pairs: np.ndarray = field(init=False, repr=False, compare=False)
    log_weekday: np.ndarray = field(init=False, repr=False, compare=False)
    log_weekend: np.ndarray = field(init=False, repr=False, compare=False)
    log_solo: np.ndarray = field(init=False, repr=False, compare=False)
    log_solo_shapes: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name, values in (("weekday", self.weekday), ("weekend", self.weekend), ("solo", self.solo_shapes)):
            object.__setattr__(self, f"{name}_names", tuple(habit_name(row) for row in values))
        with np.errstate(divide="ignore"):  # a weight of 0 is a class that cannot be
            for name in ("pairs", "weekday", "weekend", "solo", "solo_shapes"):
                object.__setattr__(self, f"log_{name}", np.log(getattr(self, name)))

    @classmethod
    def build(cls, pairs, weekday, weekend, days, solo=(), solo_shapes=()) -> "Habits":
        def normalised(values, length: int = 24) -> np.ndarray:
            array = np.asarray(values, dtype=float).reshape(-1, length)
            return array / array.sum(axis=1, keepdims=True)

        pairs_array = np.asarray(pairs, dtype=float)
        solo_array = np.asarray(solo, dtype=float)
        whole = pairs_array.sum() + solo_array.sum()
        return cls(
            pairs_array / whole,
            normalised(weekday),
            normalised(weekend),
            solo_array / whole,
            normalised(solo_shapes),
            normalised(days, 7)[0],
        )

    @classmethod
    def from_population(cls, shares: Sequence[float]) -> "Habits":
        """One class for everyone: the population's own pattern (before habits were learnt)."""
        week = np.asarray(shares, dtype=float).reshape(7, 24)
        return cls.build([[1.0]], [week[:WEEKDAYS].sum(axis=0)], [week[WEEKDAYS:].sum(axis=0)], week.sum(axis=1))

    @classmethod
    def from_json(cls, data: dict) -> "Habits":
        return cls.build(
            data["pairs"], data["weekday"], data["weekend"], data["days"], data["solo"], data["solo_shapes"]
        )

    def to_json(self) -> dict:
        return {
            "pairs": self.pairs.tolist(),
            "weekday": self.weekday.tolist(),
            "weekend": self.weekend.tolist(),
            "solo": self.solo.tolist(),
            "solo_shapes": self.solo_shapes.tolist(),
            "days": self.days.tolist(),
            "weekday_names": list(self.weekday_names),
            "weekend_names": list(self.weekend_names),
        }

    def week_shares(self, weekday: np.ndarray, weekend: np.ndarray, solo: np.ndarray) -> np.ndarray:
        """Shares per hour of week given the probabilities of the weekday classes, weekend classes and solo habits."""
        on_weekdays = weekday @ self.weekday + solo @ self.solo_shapes
        at_weekends = weekend @ self.weekend + solo @ self.solo_shapes
        return np.concatenate([self.days[day] * (on_weekdays if day < WEEKDAYS else at_weekends) for day in range(7)])

    @property
    def shares(self) -> np.ndarray:
        """The population's expected share per hour of week under these habits."""
        return self.week_shares(self.pairs.sum(axis=1), self.pairs.sum(axis=0), self.solo)


@dataclass(frozen=True)
class SendTimeView:
    """What the wait node reads for one customer: their counts and the population's habits."""

    counts: tuple[int, ...]  # 168, empty when the customer has no history
    habits: Habits | None  # None before the first refresh

    @property
    def evidence(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Posterior:
    """A customer's posterior over the habits, their expected share per hour of week, and its summary."""

    weekday: np.ndarray  # K: probability of each weekday class
    weekend: np.ndarray  # K: probability of each weekend class
    solo: np.ndarray  # U; with either of the above, sums to 1
    shares: np.ndarray  # 168, summing to 1
    habit: str  # the most probable weekday habit (classes of one name pooled)
    habit_probability: float
    weekend_habit: str
    weekend_probability: float


def _likeliest(*named: tuple[Sequence[str], np.ndarray]) -> tuple[str, float]:
    by_name: dict[str, float] = {}
    for names, probabilities in named:
        for name, probability in zip(names, probabilities, strict=True):
            by_name[name] = by_name.get(name, 0.0) + float(probability)
    name = max(by_name, key=by_name.__getitem__)
    return name, by_name[name]


def split_week(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weekday, weekend) counts per hour of the day, from counts per hour of week (last axis)."""
    by_day = np.asarray(counts, dtype=float).reshape(*np.shape(counts)[:-1], 7, 24)
    return by_day[..., :WEEKDAYS, :].sum(axis=-2), by_day[..., WEEKDAYS:, :].sum(axis=-2)


@dataclass(frozen=True)
class _Responsibilities:
    weekday: np.ndarray  # n x K, P(weekday class k | counts)
    weekend: np.ndarray  # n x K
    solo: np.ndarray  # n x U
    pairs: np.ndarray  # K x K, summed over the customers
    log_evidence: np.ndarray  # n, log P(counts)


def _responsibilities(habits: Habits, weekday: np.ndarray, weekend: np.ndarray) -> _Responsibilities:
    """The posterior of each customer (rows of weekday and weekend counts per hour of day).

    P(k, j | counts) is proportional to pairs[k, j] * a[k] * b[j], with a and b the likelihoods of
    the weekday and the weekend counts: every sum over the pairs is then a matrix product, and no
    customers x K x K array is ever made. Each likelihood is scaled by its row's largest value
    (and the pairs' part against the solo habits' by the larger of the two) so nothing overflows.
    """
    log_a, log_b = weekday @ habits.log_weekday.T, weekend @ habits.log_weekend.T
    top_a, top_b = log_a.max(axis=1), log_b.max(axis=1)
    log_solo = habits.log_solo + (weekday + weekend) @ habits.log_solo_shapes.T
    top = np.maximum(top_a + top_b, log_solo.max(axis=1, initial=-np.inf))
    a, b = np.exp(log_a - top_a[:, None]), np.exp(log_b - top_b[:, None])
    scale = np.exp(top_a + top_b - top)
    solo = np.exp(log_solo - top[:, None])
    pairs_b = b @ habits.pairs.T  # n x K: sum_j pairs[k, j] * b[j]
    pairs_a = a @ habits.pairs  # n x K: sum_k pairs[k, j] * a[k]
    evidence = scale * (a * pairs_b).sum(axis=1) + solo.sum(axis=1)
    weight = scale / evidence
    return _Responsibilities(
        weekday=a * pairs_b * weight[:, None],
        weekend=b * pairs_a * weight[:, None],
        solo=solo / evidence[:, None],
        pairs=habits.pairs * (a.T @ (b * weight[:, None])),
        log_evidence=np.log(evidence) + top,
    )


def posterior(view: SendTimeView) -> Posterior:
    """The customer's posterior over the population's habits, and the shares it implies.

    The shares are the posterior expectation (averaged over the classes, weighted by how likely
    each is), not the shares of the likeliest class: a customer who is 60% morning and 40%
    evening has the morning hours ranked first, but an evening hour still beats an empty night.
    """
    habits = view.habits
    if habits is None:
        raise ValueError("no habits learnt yet")
    if view.evidence:
        weekday, weekend = split_week(np.asarray([view.counts], dtype=float))
        found = _responsibilities(habits, weekday, weekend)
        weekday_classes, weekend_classes, solo = found.weekday[0], found.weekend[0], found.solo[0]
    else:
        weekday_classes, weekend_classes, solo = habits.pairs.sum(axis=1), habits.pairs.sum(axis=0), habits.solo
    solos = (habits.solo_names, solo)
    habit, probability = _likeliest((habits.weekday_names, weekday_classes), solos)
    weekend_habit, weekend_probability = _likeliest((habits.weekend_names, weekend_classes), solos)
    shares = habits.week_shares(weekday_classes, weekend_classes, solo)
    return Posterior(
        weekday_classes, weekend_classes, solo, shares, habit, probability, weekend_habit, weekend_probability
    )


def _class_starts(classes: int) -> np.ndarray:
    """One bump per class at evenly spaced hours of the day, over a floor."""
    hours = np.arange(24) + 0.5
    centres = np.arange(classes) * 24 / classes
    distance = np.abs(hours[None, :] - centres[:, None])
    distance = np.minimum(distance, 24 - distance)
    starts = 0.2 + np.exp(-(distance**2) / 8)
    return starts / starts.sum(axis=1, keepdims=True)


def _smooth_time_of_day(values: np.ndarray, width: float) -> np.ndarray:
    """Gaussian smoothing along the hour of day (round the clock), keeping each row's total."""
    offsets = np.arange(-3, 4)
    kernel = np.exp(-(offsets**2) / (2 * width * width))
    kernel /= kernel.sum()
    return sum(weight * np.roll(values, int(offset), axis=-1) for offset, weight in zip(offsets, kernel, strict=True))


def fit_habits(profiles: np.ndarray, *, classes: int = HABIT_CLASSES) -> Habits | None:
    """Habits of a population (profiles: customers x 168 counts) by EM for a mixture of multinomials.

    The latent variable is a customer's (weekday class, weekend class) pair, or a solo habit.
    MAP EM: Dirichlet(+1) on the weights, and each class held toward its start by
    HABIT_PSEUDO_COUNT engagements. The solo habits' shapes are fixed; only their weights are
    learnt. Deterministic: the same profiles give the same habits.
    """
    profiles = np.asarray(profiles, dtype=float).reshape(-1, HOURS_IN_WEEK)
    profiles = profiles[profiles.sum(axis=1) > 0]
    if not len(profiles):
        return None
    days = profiles.reshape(-1, 7, 24).sum(axis=(0, 2)) + POPULATION_SMOOTHING
    if len(profiles) > HABIT_FIT_CUSTOMERS:
        profiles = profiles[np.linspace(0, len(profiles) - 1, HABIT_FIT_CUSTOMERS).astype(int)]
    weekday_counts, weekend_counts = split_week(profiles)
    starts = _class_starts(classes)
    solo_shapes = _class_starts(24)
    habits = Habits.build(np.ones((classes, classes)), starts, starts, days, np.ones(len(solo_shapes)), solo_shapes)
    engagements = profiles.sum()
    previous = -np.inf
    for _ in range(HABIT_MAX_ITERATIONS):
        log_likelihood = 0.0
        pair_totals = np.zeros((classes, classes))
        solo_totals = np.zeros(len(solo_shapes))
        weekday_expected = np.zeros((classes, 24))
        weekend_expected = np.zeros((classes, 24))
        for start in range(0, len(profiles), HABIT_CHUNK):
            on_weekdays = weekday_counts[start : start + HABIT_CHUNK]
            at_weekends = weekend_counts[start : start + HABIT_CHUNK]
            found = _responsibilities(habits, on_weekdays, at_weekends)
            log_likelihood += float(found.log_evidence.sum())
            pair_totals += found.pairs
            solo_totals += found.solo.sum(axis=0)
            weekday_expected += found.weekday.T @ on_weekdays
            weekend_expected += found.weekend.T @ at_weekends
        log_likelihood /= engagements
        if log_likelihood - previous < HABIT_TOLERANCE:
            break
        previous = log_likelihood
        weekday = _smooth_time_of_day(weekday_expected, HABIT_SMOOTHING_HOURS) + HABIT_PSEUDO_COUNT * starts
        weekend = _smooth_time_of_day(weekend_expected, HABIT_SMOOTHING_HOURS) + HABIT_PSEUDO_COUNT * starts
        habits = Habits.build(
            pair_totals + HABIT_WEIGHT_PSEUDO_COUNT,
            weekday,
            weekend,
            days,
            solo_totals + HABIT_WEIGHT_PSEUDO_COUNT,
            solo_shapes,
        )
    return habits


def best_slot(now: datetime, until: datetime, shares: Sequence[float], zone: tzinfo) -> tuple[datetime, int]:
    """The moment to send within [now, until): the start of the local hour with the largest value.

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
