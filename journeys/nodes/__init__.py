"""The node-type registry. A node type is one module in this package, registered with @register.

Modules are discovered at start-up (JourneysConfig.ready), so adding a kind is adding a file.
"""

import importlib
import pkgutil

from journeys.nodes.base import NodeType

_registry: dict[str, NodeType] = {}
_NOT_NODE_MODULES = {"base"}


def register(node_class: type[NodeType]) -> type[NodeType]:
    kind = node_class.kind
    if kind in _registry and type(_registry[kind]) is not node_class:
        raise ValueError(f"two node types claim the kind {kind!r}")
    _registry[kind] = node_class()
    return node_class


def autodiscover() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_NODE_MODULES:
            importlib.import_module(f"{__name__}.{module.name}")


def get(kind: str) -> NodeType | None:
    return _registry.get(kind)


def all_types() -> list[NodeType]:
    return sorted(_registry.values(), key=lambda node_type: (node_type.category, node_type.kind))
