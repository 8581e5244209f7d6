"""Graph validation: the checks that decide whether a graph may be saved as a draft, published or imported.

Pure: it reads the node registry but never the database, so the canvas, the API, import and
publish all get the same answer. docs/graph-format.md describes every issue code.
"""

import dataclasses
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from journeys import nodes as registry
from journeys.nodes.base import NodeType

MAX_NODES = 500
MAX_EDGES = 2000
MAX_NODE_ID_LENGTH = 64  # Enrollment.node_id and Step.node_id are 64 characters
# Node ids appear in URLs (reports, the customers at a node), so they keep to URL-safe characters.
NODE_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
MAX_EDGE_ID_LENGTH = 256  # React Flow's generated ids join source, target and both handles
MAX_KIND_LENGTH = 64
MAX_PORT_LENGTH = 64  # Step.port is 64 characters
MAX_LABEL_LENGTH = 200


@dataclass
class Issue:
    """One problem found in a graph.

    `node_id` and `edge_id` say where it is. `field` is the config field for config issues,
    the port for port issues, the edge property for edge issues, and the JSON path (such as
    ``nodes[3].data.kind``) for shape issues.
    """

    code: str
    message: str
    node_id: str | None = None
    field: str | None = None
    edge_id: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ValidationResult:
    """Errors block publishing; warnings are shown to the marketer but do not."""

    errors: list[Issue] = dataclasses.field(default_factory=list)
    warnings: list[Issue] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
        }


# --- Shape


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shape(path: str, message: str, node_id: str | None = None) -> Issue:
    return Issue("invalid_shape", f"{path} {message}", node_id=node_id, field=path)


def _check_string(value: Any, path: str, *, max_length: int, node_id: str | None = None) -> list[Issue]:
    if not isinstance(value, str) or not value:
        return [_shape(path, "must be a non-empty string", node_id)]
    if len(value) > max_length:
        return [_shape(path, f"is longer than {max_length} characters", node_id)]
    return []


def _check_node_shape(node: Any, path: str) -> list[Issue]:
    if not isinstance(node, dict):
        return [_shape(path, "must be an object")]
    issues = _check_string(node.get("id"), f"{path}.id", max_length=MAX_NODE_ID_LENGTH)
    if not issues and not NODE_ID_PATTERN.fullmatch(node["id"]):
        issues.append(_shape(f"{path}.id", "may hold only letters, digits and - _ . :"))
    node_id = None if issues else node["id"]
    if "type" in node and not isinstance(node["type"], str):
        issues.append(_shape(f"{path}.type", "must be a string", node_id))
    position = node.get("position")
    if not isinstance(position, dict) or not (_is_number(position.get("x")) and _is_number(position.get("y"))):
        issues.append(_shape(f"{path}.position", "must be an object with numbers x and y", node_id))
    data = node.get("data")
    if not isinstance(data, dict):
        issues.append(_shape(f"{path}.data", "must be an object", node_id))
        return issues
    issues += _check_string(data.get("kind"), f"{path}.data.kind", max_length=MAX_KIND_LENGTH, node_id=node_id)
    label = data.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_LENGTH):
        message = f"must be a string of at most {MAX_LABEL_LENGTH} characters"
        issues.append(_shape(f"{path}.data.label", message, node_id))
    if not isinstance(data.get("config"), dict):
        issues.append(_shape(f"{path}.data.config", "must be an object", node_id))
    return issues


def _check_edge_shape(edge: Any, path: str) -> list[Issue]:
    if not isinstance(edge, dict):
        return [_shape(path, "must be an object")]
    issues = _check_string(edge.get("id"), f"{path}.id", max_length=MAX_EDGE_ID_LENGTH)
    for key in ("source", "target"):
        issues += _check_string(edge.get(key), f"{path}.{key}", max_length=MAX_NODE_ID_LENGTH)
    handle = edge.get("sourceHandle")
    if handle is not None and (not isinstance(handle, str) or len(handle) > MAX_PORT_LENGTH):
        message = f"must be null or a string of at most {MAX_PORT_LENGTH} characters"
        issues.append(_shape(f"{path}.sourceHandle", message))
    return issues


def shape_errors(graph: Any) -> list[Issue]:
    """Errors that make the graph unreadable; the semantic checks run only when there are none.

    A draft must pass these to be saved at all: everything that reads a stored graph (the
    canvas, diffs for the audit log and reviews, the engine) may rely on its shape.
    """
    if not isinstance(graph, dict):
        return [Issue("invalid_shape", "the graph must be an object with lists nodes and edges")]
    issues = [_shape(key, "must be a list") for key in ("nodes", "edges") if not isinstance(graph.get(key), list)]
    if issues:
        return issues
    nodes, edges = graph["nodes"], graph["edges"]
    if len(nodes) > MAX_NODES:
        issues.append(Issue("too_large", f"a journey has at most {MAX_NODES} nodes, not {len(nodes)}", field="nodes"))
    if len(edges) > MAX_EDGES:
        issues.append(Issue("too_large", f"a journey has at most {MAX_EDGES} edges, not {len(edges)}", field="edges"))
    if issues:
        return issues  # do not spend time reading an oversized payload

    for key, items, check in (("nodes", nodes, _check_node_shape), ("edges", edges, _check_edge_shape)):
        first_path: dict[str, str] = {}
        for index, item in enumerate(items):
            path = f"{key}[{index}]"
            item_issues = check(item, path)
            issues += item_issues
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str) or any(issue.field == f"{path}.id" for issue in item_issues):
                continue
            if item_id in first_path:
                where = {"node_id": item_id} if key == "nodes" else {"edge_id": item_id}
                issues.append(
                    Issue(
                        "duplicate_id",
                        f"{path} has the id {item_id!r} already used by {first_path[item_id]}",
                        field=f"{path}.id",
                        **where,
                    )
                )
            else:
                first_path[item_id] = path
    return issues


# --- Config errors


def _item_word(key: str) -> str:
    """What one entry of a list field is called: "branch" for `branches`, "change" for `changes`."""
    if key.endswith(("ches", "shes", "xes", "sses")):
        return key[:-2]
    if key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return "item"


def _first_error(errors: Any, trail: tuple[str, ...] = (), item: str = "item") -> tuple[tuple[str, ...], str] | None:
    """The first message in DRF's nested errors, with the way to it (list entries counted from 1,
    named after their list: "branch 2, key")."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                step, child = (f"{item} {key + 1}",), item
            elif key == "non_field_errors":
                step, child = (), item
            else:
                step, child = (str(key),), _item_word(str(key))
            found = _first_error(value, trail + step, child)
            if found:
                return found
        return None
    if isinstance(errors, list):
        for index, value in enumerate(errors):
            # A list of strings is one field's messages; a list of dicts is one entry per item.
            step = (f"{item} {index + 1}",) if isinstance(value, dict | list) else ()
            found = _first_error(value, trail + step, item)
            if found:
                return found
        return None
    return trail, str(errors)


def _config_issues(node_id: str, errors: dict) -> list[Issue]:
    issues = []
    for name, value in errors.items():
        found = _first_error(value, item=_item_word(str(name)))
        if not found:
            continue
        trail, message = found
        if trail:
            message = f"{', '.join(trail)}: {message}"
        field_name = None if name == "non_field_errors" else str(name)
        issues.append(Issue("invalid_config", message, node_id=node_id, field=field_name))
    return issues


# --- Graph algorithms


def strongly_connected_components(successors: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion, so a long chain cannot hit Python's recursion limit.

    `successors` must have every node as a key. Components come out in reverse topological
    order; members of a component in the order they were popped.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    for root in successors:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _reachable(starts: list[str], successors: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    pending = list(starts)
    while pending:
        for child in successors[pending.pop()]:
            if child not in seen:
                seen.add(child)
                pending.append(child)
    return seen


def resolve_port(handle: str | None, ports: list[str]) -> str | None:
    """The port an edge leaves from: its handle, or the node's only port when the handle is empty."""
    if handle:
        return handle if handle in ports else None
    return ports[0] if len(ports) == 1 else None


def _unknown_port_message(handle: str | None, ports: list[str]) -> str:
    if not ports:
        return "this node has no output ports, so no edge may leave it"
    if handle:
        return f"this node has no port {handle!r}; its ports are {', '.join(ports)}"
    return f"this node has several ports ({', '.join(ports)}); the edge must name one in sourceHandle"


# --- Validation


@dataclass
class _Node:
    id: str
    kind: str
    node_type: NodeType | None
    config: dict | None = None  # the cleaned config, when it is valid
    ports: list[str] | None = None  # known only when the config is valid; a split's ports are its variants

    @property
    def is_trigger(self) -> bool:
        return self.node_type is not None and self.node_type.category == "trigger"


def validate_graph(graph: dict) -> ValidationResult:
    """Check a graph before it is saved as a draft, published or imported.

    Shape errors (``invalid_shape``, ``duplicate_id``, ``too_large``) are reported alone: the
    other checks need a readable graph. Otherwise every error that blocks publishing is
    reported at once, each naming the node, edge and field so the canvas can point at it.
    """
    shape_issues = shape_errors(graph)
    if shape_issues:
        return ValidationResult(errors=shape_issues)

    errors: list[Issue] = []
    node_ids = {raw["id"] for raw in graph["nodes"]}
    nodes: dict[str, _Node] = {}
    for raw in graph["nodes"]:
        node = nodes[raw["id"]] = _Node(raw["id"], raw["data"]["kind"], registry.get(raw["data"]["kind"]))
        errors += _check_node(node, raw["data"]["config"], node_ids)

    if not any(node.is_trigger for node in nodes.values()):
        errors.insert(0, Issue("no_trigger", "a journey needs at least one trigger node to enter customers"))

    successors: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    connected: dict[tuple[str, str], list[str]] = defaultdict(list)
    for edge in graph["edges"]:
        errors += _check_edge(edge, nodes, successors, connected)

    for (source, port), edge_ids in connected.items():
        for edge_id in edge_ids[1:]:
            errors.append(
                Issue(
                    "port_connected_twice",
                    f"port {port!r} already leads to another node; a port leads to one node",
                    node_id=source,
                    field=port,
                    edge_id=edge_id,
                )
            )

    for node in nodes.values():
        if node.ports is None:
            continue
        for port in node.node_type.required_output_ports(node.config):
            if (node.id, port) not in connected:
                errors.append(
                    Issue("unconnected_port", f"port {port!r} must lead somewhere", node_id=node.id, field=port)
                )

    # A kind that continues at a node named in its config (a jump) rather than through an edge:
    # loops and reachability follow that target as if it were an edge.
    for node in nodes.values():
        target = _jump_target(node)
        if target not in nodes:
            continue
        if not nodes[target].is_trigger:
            successors[node.id].append(target)
        else:
            errors.append(
                Issue(
                    "edge_into_trigger",
                    f"cannot jump to the trigger {target!r}; customers enter there only when triggered",
                    node_id=node.id,
                    field=node.node_type.jump_target_field,
                )
            )

    errors += _loops_without_wait(nodes, successors)

    warnings = []
    triggers = [node.id for node in nodes.values() if node.is_trigger]
    if triggers:
        reached = _reachable(triggers, successors)
        warnings = [
            Issue("unreachable_node", "no trigger leads to this node, so no customer will reach it", node_id=node_id)
            for node_id in nodes
            if node_id not in reached
        ]
    return ValidationResult(errors=errors, warnings=warnings)


def _check_node(node: _Node, config: dict, node_ids: set[str]) -> list[Issue]:
    """Kind and config errors of one node; records its cleaned config and ports when they are valid."""
    if node.node_type is None:
        return [Issue("unknown_kind", f"there is no node type {node.kind!r}", node_id=node.id, field="kind")]
    cleaned, field_errors = node.node_type.clean_config(config)
    if field_errors:
        # Ports may depend on the config (a split's variants), so they stay unknown and
        # the port checks skip this node rather than report errors that follow from this one.
        return _config_issues(node.id, field_errors)
    node.config, node.ports = cleaned, node.node_type.output_ports(cleaned)
    issues = []
    target = node.node_type.jump_target(cleaned)
    if target is not None and target not in node_ids:
        message = f"there is no node {target!r} to jump to"
        issues.append(Issue("invalid_config", message, node_id=node.id, field=node.node_type.jump_target_field))
    return issues + [
        Issue("invalid_config", message, node_id=node.id, field=field_name)
        for field_name, message in node.node_type.extra_checks(cleaned, node_ids)
    ]


def _check_edge(
    edge: dict,
    nodes: dict[str, _Node],
    successors: dict[str, list[str]],
    connected: dict[tuple[str, str], list[str]],
) -> list[Issue]:
    """Errors of one edge; records it in `successors` and, when its port is known, in `connected`."""
    edge_id, source_id, target_id = edge["id"], edge["source"], edge["target"]
    source, target = nodes.get(source_id), nodes.get(target_id)
    issues = [
        Issue(
            "dangling_edge",
            f"the edge's {end} {node_id!r} is not a node of this journey",
            node_id=source_id if source else None,
            field=end,
            edge_id=edge_id,
        )
        for end, node_id, node in (("source", source_id, source), ("target", target_id, target))
        if node is None
    ]
    if issues:
        return issues
    if target.is_trigger:
        issues.append(
            Issue(
                "edge_into_trigger",
                f"an edge leads into the trigger {target_id!r}; customers enter there only when triggered",
                node_id=source_id,
                field="target",
                edge_id=edge_id,
            )
        )
    else:
        # Left out of the loop check: the edge is an error already, and a loop through it
        # would only repeat the same complaint.
        successors[source_id].append(target_id)
    if source.ports is not None:
        handle = edge.get("sourceHandle")
        port = resolve_port(handle, source.ports)
        if port is None:
            issues.append(
                Issue(
                    "unknown_port",
                    _unknown_port_message(handle, source.ports),
                    node_id=source_id,
                    field=handle or None,
                    edge_id=edge_id,
                )
            )
        else:
            connected[(source_id, port)].append(edge_id)
    return issues


def _jump_target(node: _Node) -> str | None:
    if node.node_type is None or node.config is None:
        return None
    return node.node_type.jump_target(node.config)


def _loops_without_wait(nodes: dict[str, _Node], successors: dict[str, list[str]]) -> list[Issue]:
    """One error per node on a loop that no waiting node paces: customers would spin through it at once."""
    order = {node_id: position for position, node_id in enumerate(nodes)}
    issues = []
    components = strongly_connected_components(successors)
    for component in sorted(components, key=lambda members: min(order[m] for m in members)):
        if len(component) == 1 and component[0] not in successors[component[0]]:
            continue
        if any(nodes[node_id].node_type is not None and nodes[node_id].node_type.waits for node_id in component):
            continue
        members = sorted(component, key=order.__getitem__)
        message = f"this node is on a loop with no wait in it ({', '.join(members)}); add a wait to the loop"
        issues += [Issue("cycle_without_wait", message, node_id=node_id) for node_id in members]
    return issues
