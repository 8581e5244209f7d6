"""Typed readers for environment variables.

Every setting comes from the environment. A value that cannot be read stops the start with
an ImproperlyConfigured error naming the variable and showing a value it would accept, so a
typo never silently falls back to a default. manage.py prints that message as one line.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no), got {value!r}: set e.g. {name}={int(default)}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}: set e.g. {name}={default}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}: set e.g. {name}={default}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, *, schemes: tuple[str, ...], example: str = "") -> str:
    """An optional URL whose scheme must be one of `schemes`; empty when unset.

    `example` is shown in the error (the default is the first scheme and a placeholder host). The
    value itself is not: URLs carry passwords, and the message ends up in logs.
    """
    value = env_str(name)
    if value and ("://" not in value or value.split("://", 1)[0] not in schemes):
        example = example or f"{schemes[0]}://host"
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)}: "
            f"set e.g. {name}={example}"
        )
    return value


def env_choice(name: str, default: str, *, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}, got {value!r}: set e.g. {name}={default}"
        )
    return value
