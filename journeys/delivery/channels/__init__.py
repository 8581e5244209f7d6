"""The channel registry. A channel is one module in this package, registered with @register.

Modules are discovered on first use (and at start-up, JourneysConfig.ready), so adding a
channel is adding a file; the worker, the templates API, previews, admin and the callback
URLs ask this registry instead of naming channels.
"""

import importlib
import pkgutil

from journeys.delivery.channels.base import Channel

_registry: dict[str, Channel] = {}
_NOT_CHANNEL_MODULES = {"base"}
_discovered = False


def register(channel_class: type[Channel]) -> type[Channel]:
    name = channel_class.name
    if name in _registry and type(_registry[name]) is not channel_class:
        raise ValueError(f"two channels claim the name {name!r}")
    _registry[name] = channel_class()
    return channel_class


def autodiscover() -> None:
    global _discovered
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_CHANNEL_MODULES:
            importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def _ensure_discovered() -> None:
    # Code that runs before the app registry is ready (a script, an import-time table) still finds them.
    if not _discovered:
        autodiscover()


def get(name: str) -> Channel | None:
    _ensure_discovered()
    return _registry.get(name)


def all_channels() -> list[Channel]:
    _ensure_discovered()
    return sorted(_registry.values(), key=lambda channel: channel.name)


def names() -> list[str]:
    return [channel.name for channel in all_channels()]


def label(name: str) -> str:
    """The channel's display name, as events are named after it ("SMS Delivered"); the name itself when unknown."""
    channel = get(name)
    return channel.label if channel else name


def needs_consent(name: str) -> bool:
    channel = get(name)
    return bool(channel and channel.needs_consent)
