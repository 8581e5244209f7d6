"""The node-type registry. A node type is one module in this package, registered with @register.

Modules are discovered at start-up (JourneysConfig.ready), so adding a kind is adding a file.
"""

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager

from journeys.nodes.base import NodeType

_registry: dict[str, NodeType] = {}
_NOT_NODE_MODULES = {"base"}


def register(node_class: type[NodeType]) -> type[NodeType]:
    kind = node_class.kind
    if kind in _registry and type(_registry[kind]) is not node_class:
        raise ValueError(f"two node types claim the kind {kind!r}")
    _registry[kind] = node_class()
    return node_class


@contextmanager
def register_temporarily(node_class: type[NodeType]) -> Iterator[NodeType]:
    """Register a kind for the duration of a `with` block (tests), then forget it.

    A kind already registered under the same name is put back afterwards, so a test may stand
    in for a real kind without leaking into the next test.
    """
    kind = node_class.kind
    previous = _registry.get(kind)
    _registry[kind] = node_class()
    try:
        yield _registry[kind]
    finally:
        if previous is None:
            _registry.pop(kind, None)
        else:
            _registry[kind] = previous


def autodiscover() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_NODE_MODULES:
            importlib.import_module(f"{__name__}.{module.name}")


def get(kind: str) -> NodeType | None:
    return _registry.get(kind)


def all_types() -> list[NodeType]:
    return sorted(_registry.values(), key=lambda node_type: (node_type.category, node_type.kind))
