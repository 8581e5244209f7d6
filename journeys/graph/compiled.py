"""The compiled graph the engine walks: a validated graph turned into lookups."""

from dataclasses import dataclass

from journeys import nodes as registry
from journeys.graph.validation import resolve_port
from journeys.nodes.base import NodeType, TriggerNode


class GraphError(ValueError):
    """parse_graph was given a graph that does not validate."""


@dataclass(frozen=True, slots=True)
class CompiledNode:
    id: str
    kind: str
    label: str
    config: dict  # validated by the kind's config serializer, defaults filled in
    node_type: NodeType


@dataclass(frozen=True)
class CompiledGraph:
    """A validated graph as lookups: node by id and (node, port) -> next node.

    Building one runs every node's config serializer, so build it once per published version
    and keep it, rather than once per customer step.
    """

    nodes: dict[str, CompiledNode]
    routes: dict[tuple[str, str], str]
    triggers: tuple[str, ...]

    def node(self, node_id: str) -> CompiledNode:
        return self.nodes[node_id]

    def next_node(self, node_id: str, port: str) -> str | None:
        """The node the edge from this port leads to; None when the port is unconnected (the customer exits)."""
        return self.routes.get((node_id, port))

    def trigger_nodes(self) -> list[tuple[str, str, dict]]:
        """(node id, kind, config) of every trigger, in graph order."""
        return [(node_id, self.nodes[node_id].kind, self.nodes[node_id].config) for node_id in self.triggers]

    def entry_points(self) -> list[tuple[str, TriggerNode, dict]]:
        """(node id, trigger type, config) of every trigger, in graph order: ask the type how customers enter."""
        return [(node_id, self.nodes[node_id].node_type, self.nodes[node_id].config) for node_id in self.triggers]


def parse_graph(graph: dict) -> CompiledGraph:
    """Compile a graph that validate_graph has passed.

    Raises GraphError when a node's kind is unknown or its config invalid; other problems are
    not looked for again, so call validate_graph first (publishing does).
    """
    nodes: dict[str, CompiledNode] = {}
    ports: dict[str, list[str]] = {}
    for raw in graph["nodes"]:
        node_id, data = raw["id"], raw["data"]
        node_type = registry.get(data["kind"])
        if node_type is None:
            raise GraphError(f"node {node_id!r}: there is no node type {data['kind']!r}")
        config, field_errors = node_type.clean_config(data.get("config"))
        if field_errors:
            raise GraphError(f"node {node_id!r}: invalid config {dict(field_errors)}")
        nodes[node_id] = CompiledNode(node_id, data["kind"], data.get("label") or node_type.label, config, node_type)
        ports[node_id] = node_type.output_ports(config)

    routes = {}
    for edge in graph["edges"]:
        port = resolve_port(edge.get("sourceHandle"), ports.get(edge["source"], []))
        if port is not None:
            routes[(edge["source"], port)] = edge["target"]
    triggers = tuple(node_id for node_id, node in nodes.items() if node.node_type.category == "trigger")
    return CompiledGraph(nodes=nodes, routes=routes, triggers=triggers)
