"""Compiled graphs and settings of published versions, cached per process (versions never change)."""

from functools import lru_cache

from journeys.graph.compiled import CompiledGraph, parse_graph
from journeys.models import JourneyVersion


@lru_cache(maxsize=512)
def compiled_version(version_id: int) -> CompiledGraph:
    graph = JourneyVersion.objects.values_list("graph", flat=True).get(id=version_id)
    return parse_graph(graph)


@lru_cache(maxsize=512)
def version_settings(version_id: int) -> dict:
    return JourneyVersion.objects.values_list("settings", flat=True).get(id=version_id)
