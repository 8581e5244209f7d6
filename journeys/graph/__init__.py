"""The journey graph: its shape, the checks that decide whether it may publish, and the compiled form the engine runs.

A graph is stored exactly as React Flow holds it::

    {"nodes": [{"id", "type", "position": {"x", "y"}, "data": {"kind", "label", "config"}}],
     "edges": [{"id", "source", "sourceHandle", "target"}]}

`sourceHandle` names the output port an edge leaves from; null means the node's only port.
docs/graph-format.md describes the format and every issue code.

The parts, each a module:

- `validation`: `validate_graph`, pure (the node registry, never the database).
- `compiled`: `parse_graph` and the `CompiledGraph` the engine walks, also pure.
- `cache`: `compiled_version` and `version_settings`, the per-process cache of published
  versions. It reads the database, so it is not imported here: this package stays importable
  before Django's models are, and callers of the cache import `journeys.graph.cache`.
"""

from journeys.graph.compiled import CompiledGraph, CompiledNode, GraphError, parse_graph
from journeys.graph.validation import (
    MAX_EDGE_ID_LENGTH,
    MAX_EDGES,
    MAX_KIND_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_NODE_ID_LENGTH,
    MAX_NODES,
    MAX_PORT_LENGTH,
    NODE_ID_PATTERN,
    Issue,
    ValidationResult,
    shape_errors,
    strongly_connected_components,
    validate_graph,
)

__all__ = [
    "MAX_EDGES",
    "MAX_EDGE_ID_LENGTH",
    "MAX_KIND_LENGTH",
    "MAX_LABEL_LENGTH",
    "MAX_NODES",
    "MAX_NODE_ID_LENGTH",
    "MAX_PORT_LENGTH",
    "NODE_ID_PATTERN",
    "CompiledGraph",
    "CompiledNode",
    "GraphError",
    "Issue",
    "ValidationResult",
    "parse_graph",
    "shape_errors",
    "strongly_connected_components",
    "validate_graph",
]
