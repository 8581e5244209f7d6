"""Thompson sampling for split nodes in bandit mode: each arm's share of traffic follows its chance of being best.

Pure: counts in, weights out. The chance that an arm is best is estimated from draws of each arm's
Beta(1 + conversions, 1 + non-conversions) posterior (numpy's Beta sampler), then every arm keeps a floor so
no arm is starved and the experiment can still learn that it was wrong.
"""

import numpy as np

FLOOR = 0.01  # at least 1% of traffic per arm
MIN_EXPOSED = 100  # no reallocation until every arm has this many customers
DRAWS = 100_000  # the chance of being best is then within about +/-0.003 (two standard errors at 0.5)


def ready(counts: dict[str, tuple[int, int]]) -> bool:
    """Every arm has at least MIN_EXPOSED customers."""
    return bool(counts) and all(exposed >= MIN_EXPOSED for exposed, _ in counts.values())


def chance_best(counts: dict[str, tuple[int, int]], *, rng: np.random.Generator, draws: int = DRAWS) -> dict:
    """{arm: P(arm has the highest rate)} by sampling the Beta(1,1)-prior posteriors; ties go to the first."""
    keys = list(counts)
    samples = np.column_stack(
        [rng.beta(1 + conversions, 1 + exposed - conversions, draws) for exposed, conversions in counts.values()]
    )
    wins = np.bincount(samples.argmax(axis=1), minlength=len(keys))
    return {key: float(w) / draws for key, w in zip(keys, wins, strict=True)}


def thompson_weights(
    counts: dict[str, tuple[int, int]], *, rng: np.random.Generator, draws: int = DRAWS, floor: float = FLOOR
) -> dict[str, float]:
    """Traffic weights in percent summing to 100: floor for every arm, the rest shared by chance of being best."""
    if len(counts) * floor > 1:
        raise ValueError("too many arms for the floor")
    best = chance_best(counts, rng=rng, draws=draws)
    spare = 1 - floor * len(counts)
    return {key: round(100 * (floor + spare * p), 4) for key, p in best.items()}
