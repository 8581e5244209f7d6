"""Graphs built in a line or two, and the documented example and schema, for the graph tests."""

import json
from pathlib import Path

from journeys.graph import Issue, ValidationResult

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "abandoned-basket.json"
SCHEMA = DOCS / "journey-graph.schema.json"

# A valid config for each kind these tests use.
CONFIGS = {
    "api_trigger": {},
    "event_trigger": {"event": "Signed Up"},
    "wait_for_event": {"event": "Order Completed", "timeout_seconds": 3600},
    "wait": {"mode": "duration", "seconds": 3600},
    "split": {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]},
    "update_attribute": {"changes": [{"attribute": "vip", "value": True}]},
    "send_email": {"subject": "Hello", "body": "<p>Hi</p>"},
    "send_sms": {"body": "Hi"},
    "exit": {},
}


def node(node_id: str, kind: str, config: dict | None = None, **data) -> dict:
    config = CONFIGS.get(kind, {}) if config is None else config
    return {
        "id": node_id,
        "type": "journey",
        "position": {"x": 0, "y": 0},
        "data": {"kind": kind, "label": "", "config": config, **data},
    }


def jump(node_id: str, target: str) -> dict:
    return node(node_id, "jump", {"target": target})


def edge(source: str, target: str, handle: str | None = None, edge_id: str | None = None) -> dict:
    edge_id = edge_id or f"{source}-{handle or ''}-{target}"
    return {"id": edge_id, "source": source, "sourceHandle": handle, "target": target}


def graph(nodes: list, edges: list) -> dict:
    return {"nodes": nodes, "edges": edges}


def simple_graph() -> dict:
    """start -> sms -> done: the smallest graph that publishes."""
    return graph(
        [node("start", "api_trigger"), node("sms", "send_sms"), node("done", "exit")],
        [edge("start", "sms"), edge("sms", "done")],
    )


def issues(result: ValidationResult, code: str) -> list[Issue]:
    return [issue for issue in result.errors + result.warnings if issue.code == code]


def codes(result: ValidationResult) -> set[str]:
    return {issue.code for issue in result.errors + result.warnings}


def load_example() -> dict:
    return json.loads(EXAMPLE.read_text())


def load_schema() -> dict:
    return json.loads(SCHEMA.read_text())
