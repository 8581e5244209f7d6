"""parse_graph: the lookups the engine walks."""

import pytest

from journeys.graph import GraphError, parse_graph
from tests.graph.helpers import edge, graph, load_example, node, simple_graph

# --- The compiled graph


def test_next_node_follows_an_edge_without_a_handle_through_the_only_port():
    compiled = parse_graph(simple_graph())

    assert compiled.next_node("start", "next") == "sms"
    assert compiled.next_node("sms", "next") == "done"


def test_next_node_follows_named_ports():
    compiled = parse_graph(load_example())

    assert compiled.next_node("wait-order", "matched") == "ordered"
    assert compiled.next_node("wait-order", "timeout") == "email-reminder"
    assert compiled.next_node("wait-day", "next") == "sms-reminder"


def test_next_node_of_an_unconnected_port_is_none():
    compiled = parse_graph(graph([node("start", "api_trigger"), node("sms", "send_sms")], [edge("start", "sms")]))

    assert compiled.next_node("sms", "next") is None
    assert compiled.next_node("sms", "other") is None


def test_split_variants_are_ports_of_the_compiled_graph():
    compiled = parse_graph(
        graph(
            [node("start", "api_trigger"), node("split", "split"), node("a", "exit"), node("b", "exit")],
            [edge("start", "split"), edge("split", "a", "A"), edge("split", "b", "B")],
        )
    )

    assert (compiled.next_node("split", "A"), compiled.next_node("split", "B")) == ("a", "b")


def test_trigger_nodes_lists_each_trigger_with_its_cleaned_config():
    compiled = parse_graph(load_example())

    assert compiled.trigger_nodes() == [("basket", "event_trigger", {"event": "Product Added", "filters": []})]


def test_compiled_nodes_carry_kind_config_and_a_label():
    compiled = parse_graph(simple_graph())
    sms = compiled.nodes["sms"]

    assert (sms.kind, sms.config["body"], sms.config["transactional"]) == ("send_sms", "Hi", False)
    assert sms.label == "Send SMS"  # the kind's label when the node has none
    assert compiled.node("done").kind == "exit"


def test_parse_graph_refuses_a_node_of_an_unknown_kind():
    bad = simple_graph()
    bad["nodes"][1]["data"]["kind"] = "send_pigeon"

    with pytest.raises(GraphError, match="send_pigeon"):
        parse_graph(bad)
