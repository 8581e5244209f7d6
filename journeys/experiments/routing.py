"""How split nodes learn of a declared winner or bandit weights without a new journey version.

Reviewers change routing on a live experiment; versions are immutable, so the override lives in the
Experiment row. The engine's Runner loads the overrides at most once per batch (one query on a table
with a row per experiment, and only when a batch reaches a node that asks for them) and hands each
node its own through `NodeContext.experiment_override`, so every customer of the batch sees the same
routing and the split node itself never reads the database. A decision takes effect from the next batch.
"""

from django.db import connection

from journeys.nodes.base import ExperimentOverride
from journeys.sql import from_json


def load_overrides() -> dict[tuple[int, str], ExperimentOverride]:
    """{(journey id, node id): override} for every experiment that overrides its split's routing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT journey_id, node_id, winner, weights FROM journeys_experiment"
            " WHERE winner <> '' OR weights IS NOT NULL"
        )
        rows = cursor.fetchall()
    return {
        (journey_id, node_id): ExperimentOverride(winner, from_json(weights))
        for journey_id, node_id, winner, weights in rows
    }
