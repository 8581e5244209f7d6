"""What changed between two journey graphs (and their settings): pure, for reviewers and the canvas."""

# Node fields a reviewer cares about; the position is reported apart, as a move.
NODE_FIELDS = ("type", "data")
EDGE_FIELDS = ("source", "sourceHandle", "target")


def _by_id(items) -> dict:
    return {item["id"]: item for item in items or [] if isinstance(item, dict) and "id" in item}


def _name(node: dict) -> str:
    """How a reviewer knows a step: its label, else its kind, else its id."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    return str(data.get("label") or data.get("kind") or node.get("id"))


def _field_value(node: dict, field: str):
    data = node.get("data") or {}
    if field == "kind":
        return data.get("kind")
    if field.startswith("config."):
        return (data.get("config") or {}).get(field.removeprefix("config."))
    return data.get(field.removeprefix("data."))


def _node_changes(old: dict, new: dict) -> list[str]:
    changes = []
    old_data, new_data = old.get("data") or {}, new.get("data") or {}
    if old.get("type") != new.get("type") or old_data.get("kind") != new_data.get("kind"):
        changes.append("kind")
    if old_data.get("label") != new_data.get("label"):
        changes.append("label")
    old_config, new_config = old_data.get("config") or {}, new_data.get("config") or {}
    changes.extend(
        f"config.{key}"
        for key in sorted(set(old_config) | set(new_config))
        if old_config.get(key) != new_config.get(key)
    )
    other = {k for k in set(old_data) | set(new_data) if k not in ("kind", "label", "config")}
    changes.extend(f"data.{key}" for key in sorted(other) if old_data.get(key) != new_data.get(key))
    return changes


def graph_diff(
    before: dict | None, after: dict | None, *, settings_before=None, settings_after=None, namer=_name
) -> dict:
    """Nodes and edges added, removed, changed (with the fields) or moved; settings keys changed.

    `before` is the live version (None for a journey never published: everything is added).
    `namer(node)` names the steps the diff mentions (default: label, else kind).
    """
    before, after = before or {}, after or {}
    old_nodes, new_nodes = _by_id(before.get("nodes")), _by_id(after.get("nodes"))
    old_edges, new_edges = _by_id(before.get("edges")), _by_id(after.get("edges"))
    changed_nodes, moved = [], []
    for node_id in sorted(set(old_nodes) & set(new_nodes)):
        fields = _node_changes(old_nodes[node_id], new_nodes[node_id])
        if fields:
            values = [
                {
                    "field": f,
                    "before": _field_value(old_nodes[node_id], f),
                    "after": _field_value(new_nodes[node_id], f),
                }
                for f in fields
            ]
            changed_nodes.append({"id": node_id, "fields": fields, "values": values})
        elif old_nodes[node_id].get("position") != new_nodes[node_id].get("position"):
            moved.append(node_id)
    changed_edges = [
        {"id": edge_id, "fields": [f for f in EDGE_FIELDS if old_edges[edge_id].get(f) != new_edges[edge_id].get(f)]}
        for edge_id in sorted(set(old_edges) & set(new_edges))
        if any(old_edges[edge_id].get(f) != new_edges[edge_id].get(f) for f in EDGE_FIELDS)
    ]
    settings_before, settings_after = settings_before or {}, settings_after or {}
    settings_changed = [
        {"key": key, "before": settings_before.get(key), "after": settings_after.get(key)}
        for key in sorted(set(settings_before) | set(settings_after))
        if settings_before.get(key) != settings_after.get(key)
    ]
    return {
        "nodes": {
            "added": sorted(set(new_nodes) - set(old_nodes)),
            "removed": sorted(set(old_nodes) - set(new_nodes)),
            "changed": changed_nodes,
            "moved": moved,
        },
        "edges": {
            "added": sorted(set(new_edges) - set(old_edges)),
            "removed": sorted(set(old_edges) - set(new_edges)),
            "changed": changed_edges,
        },
        "settings": settings_changed,
        # Each step the diff names, by its label in the graph that has it (the draft's when both do).
        "names": {
            node_id: namer(new_nodes.get(node_id) or old_nodes[node_id])
            for node_id in {*new_nodes, *old_nodes}
            if node_id not in new_nodes or node_id not in old_nodes or any(c["id"] == node_id for c in changed_nodes)
        },
    }


def is_empty(diff: dict) -> bool:
    return not (
        any(diff["nodes"][k] for k in ("added", "removed", "changed"))
        or any(diff["edges"].values())
        or diff["settings"]
    )


def summary(diff: dict) -> dict:
    """Counts, for the audit log of a draft edit (the full diff is for reviews)."""
    return {
        "nodes": {k: len(v) for k, v in diff["nodes"].items() if v},
        "edges": {k: len(v) for k, v in diff["edges"].items() if v},
        "settings": [item["key"] for item in diff["settings"]],
        "node_ids": sorted(
            {*diff["nodes"]["added"], *diff["nodes"]["removed"], *(c["id"] for c in diff["nodes"]["changed"])}
        )[:50],
    }
