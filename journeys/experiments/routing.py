"""How split nodes learn of a declared winner or bandit weights without a new journey version.

Reviewers change routing on a live experiment; versions are immutable, so the override lives in the
Experiment row. The engine runs a batch with one `now`, so the overrides are read at most once per batch (one
query on a table with a row per experiment) and every customer of the batch sees the same routing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from journeys.engine.state import from_json


@dataclass(frozen=True)
class Override:
    winner: str
    weights: dict | None


_cache: dict = {"key": None, "overrides": {}}
_generation = 0


def clear_cache() -> None:
    """Forget the overrides read in this process (after a decision, so the next batch reads it)."""
    global _generation
    _generation += 1


def override_for(journey_id: int, node_id: str, *, now: datetime) -> Override | None:
    key = (now, _generation)
    if _cache["key"] != key:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT journey_id, node_id, winner, weights FROM journeys_experiment"
                " WHERE winner <> '' OR weights IS NOT NULL"
            )
            rows = cursor.fetchall()
        overrides = {}
        for j, n, winner, weights in rows:
            overrides[(j, n)] = Override(winner, from_json(weights))
        _cache.update(key=key, overrides=overrides)
    return _cache["overrides"].get((journey_id, node_id))
