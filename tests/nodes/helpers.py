"""Checking node configs the way the graph validator does."""


def clean(node, config: dict) -> dict:
    """The validated config; fails the test when the config has errors."""
    validated, errors = node.clean_config(config)
    assert errors == {}
    return validated


def errors_of(node, config) -> dict:
    """The field errors; fails the test when the config is valid."""
    validated, errors = node.clean_config(config)
    assert validated == {}
    return errors
