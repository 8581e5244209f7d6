"""Every registered kind is complete, and tests add kinds with `register_temporarily`."""

import json

import pytest
from rest_framework import serializers

from journeys import nodes
from journeys.api.node_types import node_type_catalog
from journeys.nodes.base import CATEGORIES, NodeType, Outcome, TriggerNode


def registered_kinds() -> list[str]:
    return [node_type.kind for node_type in nodes.all_types()]


@pytest.mark.parametrize("kind", registered_kinds())
def test_every_kind_has_a_label_ports_and_a_config_schema(kind):
    node_type = nodes.get(kind)

    assert isinstance(node_type.label, str) and node_type.label.strip()
    assert node_type.category in CATEGORIES
    assert isinstance(node_type.ports, tuple) and all(isinstance(port, str) and port for port in node_type.ports)
    assert set(node_type.required_ports) <= set(node_type.ports)
    assert issubclass(node_type.Config, serializers.Serializer)
    assert (node_type.category == "trigger") == isinstance(node_type, TriggerNode)


@pytest.mark.parametrize("kind", registered_kinds())
def test_every_kind_serialises_through_the_catalog(kind):
    entry = next(entry for entry in node_type_catalog() if entry["kind"] == kind)

    assert json.loads(json.dumps(entry)) == entry  # plain JSON, nothing the API could not send
    assert (entry["label"], entry["category"], entry["ports"]) == (
        nodes.get(kind).label,
        nodes.get(kind).category,
        list(nodes.get(kind).ports),
    )
    assert isinstance(entry["config"], list)


@pytest.mark.parametrize("kind", registered_kinds())
def test_declared_fields_are_fields_of_the_config(kind):
    node_type = nodes.get(kind)
    fields = node_type.Config().fields

    if node_type.port_field is not None:
        # The canvas adds a port per entry, named by the entry's key.
        field = fields[node_type.port_field]
        assert isinstance(field, serializers.ListSerializer) and "key" in field.child.fields
    if node_type.jump_target_field is not None:
        assert node_type.jump_target_field in fields


# --- register_temporarily


class Probe(NodeType):
    kind = "test_probe"
    label = "Probe (tests only)"
    category = "flow"
    Config = serializers.Serializer

    def run(self, ctx):
        return Outcome.go("next", "probed")


class OtherExit(NodeType):
    kind = "exit"
    label = "Another exit (tests only)"
    category = "end"
    ports = ()
    Config = serializers.Serializer


def test_a_kind_registered_temporarily_is_known_inside_the_block_only():
    with nodes.register_temporarily(Probe) as probe:
        assert nodes.get("test_probe") is probe
        assert "test_probe" in registered_kinds()

    assert nodes.get("test_probe") is None
    assert "test_probe" not in registered_kinds()


def test_a_kind_registered_temporarily_is_forgotten_when_the_block_fails():
    with pytest.raises(RuntimeError), nodes.register_temporarily(Probe):
        raise RuntimeError("the test failed")

    assert nodes.get("test_probe") is None


def test_a_kind_standing_in_for_a_real_one_gives_it_back():
    real = nodes.get("exit")

    with nodes.register_temporarily(OtherExit):
        assert isinstance(nodes.get("exit"), OtherExit)

    assert nodes.get("exit") is real
