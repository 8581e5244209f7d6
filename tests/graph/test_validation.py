"""validate_graph: shape, config, port, loop and reachability checks, and the documented example."""

import json
import re

import jsonschema
import pytest
import referencing

from journeys import nodes as registry
from journeys.graph import MAX_EDGES, MAX_NODES, strongly_connected_components, validate_graph
from tests.graph.helpers import (
    DOCS,
    codes,
    edge,
    graph,
    issues,
    jump,
    load_example,
    load_schema,
    node,
    simple_graph,
)

# --- The documented example and the schema


def test_the_example_graph_validates_without_errors_or_warnings():
    result = validate_graph(load_example())

    assert result.ok, result.as_dict()
    assert result.warnings == []


def test_the_example_in_the_format_doc_is_the_example_file():
    doc = (DOCS / "graph-format.md").read_text()
    block = re.search(r"<!-- example: examples/abandoned-basket.json -->\s*```json\n(.*?)```", doc, re.DOTALL)

    assert block, "the doc should show the example after its marker comment"
    assert json.loads(block.group(1)) == load_example()


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_the_schema_accepts_the_example():
    jsonschema.validate(load_example(), load_schema(), cls=jsonschema.Draft202012Validator)


def test_the_schema_rejects_a_node_without_an_id():
    example = load_example()
    del example["nodes"][0]["id"]

    with pytest.raises(jsonschema.ValidationError, match="'id' is a required property"):
        jsonschema.validate(example, load_schema(), cls=jsonschema.Draft202012Validator)


def test_the_schema_describes_the_export_envelope():
    schema = load_schema()
    registry_ = referencing.Registry().with_resource(schema["$id"], referencing.Resource.from_contents(schema))
    validator = jsonschema.Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/export"}, registry=registry_)
    export = {"format": "cjo.journey", "version": 1, "name": "Basket", "description": "", "settings": {}}

    assert validator.is_valid({**export, "graph": load_example()})
    assert not validator.is_valid({**export, "graph": {"nodes": [{}], "edges": []}})
    assert not validator.is_valid({**export, "format": "other", "graph": load_example()})


def _without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


MALFORMED_GRAPHS = {
    "not an object": [],
    "no edges list": {"nodes": []},
    "node without id": graph([_without(node("a", "exit"), "id")], []),
    "node with an empty id": graph([node("", "exit")], []),
    "node id of 65 characters": graph([node("n" * 65, "exit")], []),
    "node without position": graph([_without(node("a", "exit"), "position")], []),
    "position without numbers": graph([{**node("a", "exit"), "position": {"x": "1", "y": 2}}], []),
    "node without kind": graph([{**node("a", "exit"), "data": {"config": {}}}], []),
    "config that is not an object": graph([node("a", "exit", config=[])], []),
    "edge without source": graph([node("a", "exit")], [_without(edge("a", "a"), "source")]),
    "edge handle that is a number": graph([node("a", "exit")], [edge("a", "a", handle=3)]),
    "too many nodes": graph([node(f"n{i}", "exit") for i in range(MAX_NODES + 1)], []),
}


@pytest.mark.parametrize("graph_", MALFORMED_GRAPHS.values(), ids=MALFORMED_GRAPHS.keys())
def test_the_schema_and_the_validator_both_reject_malformed_graphs(graph_):
    assert not jsonschema.Draft202012Validator(load_schema()).is_valid(graph_)
    assert {issue.code for issue in validate_graph(graph_).errors} <= {"invalid_shape", "too_large"}
    assert not validate_graph(graph_).ok


# --- Shape errors


def test_a_graph_that_is_not_an_object_is_an_invalid_shape():
    assert [issue.code for issue in validate_graph("nodes").errors] == ["invalid_shape"]


def test_a_node_without_an_id_is_reported_with_its_path():
    bad = simple_graph()
    del bad["nodes"][1]["id"]

    [error] = validate_graph(bad).errors

    assert (error.code, error.field) == ("invalid_shape", "nodes[1].id")


def test_a_shape_error_names_the_node_when_its_id_is_readable():
    bad = simple_graph()
    bad["nodes"][2]["data"]["config"] = "none"

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("invalid_shape", "done", "nodes[2].data.config")


def test_shape_errors_are_reported_alone():
    bad = graph([node("a", "no_such_kind"), {"id": "b"}], [])

    assert codes(validate_graph(bad)) == {"invalid_shape"}


def test_two_nodes_with_the_same_id_are_a_duplicate():
    bad = simple_graph()
    bad["nodes"].append(node("sms", "send_sms"))

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("duplicate_id", "sms", "nodes[3].id")


def test_two_edges_with_the_same_id_are_a_duplicate():
    bad = simple_graph()
    bad["edges"][1]["id"] = bad["edges"][0]["id"]

    [error] = validate_graph(bad).errors

    assert (error.code, error.edge_id, error.field) == ("duplicate_id", bad["edges"][0]["id"], "edges[1].id")


def test_more_than_500_nodes_is_too_large():
    big = graph([node(f"n{i}", "exit") for i in range(MAX_NODES + 1)], [])

    assert [(e.code, e.field) for e in validate_graph(big).errors] == [("too_large", "nodes")]


def test_more_than_2000_edges_is_too_large():
    big = graph([node("a", "exit")], [edge("a", "a", edge_id=f"e{i}") for i in range(MAX_EDGES + 1)])

    assert [(e.code, e.field) for e in validate_graph(big).errors] == [("too_large", "edges")]


def test_500_nodes_is_not_too_large():
    chain = [node("start", "api_trigger")] + [node(f"n{i}", "send_sms") for i in range(MAX_NODES - 1)]
    edges = [edge(chain[i]["id"], chain[i + 1]["id"]) for i in range(MAX_NODES - 1)]

    assert validate_graph(graph(chain, edges)).ok


# --- Errors that block publishing


def test_the_smallest_journey_is_valid():
    result = validate_graph(simple_graph())

    assert (result.ok, result.errors, result.warnings) == (True, [], [])


def test_a_journey_without_a_trigger_cannot_publish():
    no_trigger = graph([node("sms", "send_sms"), node("done", "exit")], [edge("sms", "done")])

    assert [e.code for e in validate_graph(no_trigger).errors] == ["no_trigger"]


def test_an_unknown_kind_names_the_node_and_the_kind_field():
    bad = simple_graph()
    bad["nodes"][1]["data"]["kind"] = "send_pigeon"

    [error] = issues(validate_graph(bad), "unknown_kind")

    assert (error.node_id, error.field) == ("sms", "kind")
    assert "send_pigeon" in error.message


def test_a_config_error_names_the_node_and_the_field():
    bad = simple_graph()
    bad["nodes"][1] = node("email", "send_email", {"body": "<p>Hi</p>"})
    bad["edges"] = [edge("start", "email"), edge("email", "done")]

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("invalid_config", "email", "subject")
    assert error.message == "This field is required."


def test_each_field_with_a_config_error_is_its_own_issue():
    bad = simple_graph()
    bad["nodes"][1] = node("email", "send_email", {})
    bad["edges"] = [edge("start", "email"), edge("email", "done")]

    fields = {e.field for e in issues(validate_graph(bad), "invalid_config")}

    assert fields == {"subject", "body"}


def test_a_nested_config_error_is_flattened_into_one_readable_message():
    bad = simple_graph()
    changes = [{"attribute": "vip", "value": True}, {"attribute": "visits", "operation": "increment", "value": "x"}]
    bad["nodes"][1] = node("update", "update_attribute", {"changes": changes})
    bad["edges"] = [edge("start", "update"), edge("update", "done")]

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("invalid_config", "update", "changes")
    assert error.message == "change 2, value: increment needs a number"


def test_split_weights_that_do_not_add_up_to_100_name_the_node_and_variants():
    variants = [{"key": "A", "weight": 60}, {"key": "B", "weight": 30}]
    bad = graph(
        [node("start", "api_trigger"), node("split", "split", {"variants": variants}), node("done", "exit")],
        [edge("start", "split"), edge("split", "done", "A"), edge("split", "done", "B")],
    )

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("invalid_config", "split", "variants")
    assert "90" in error.message


def test_a_jump_to_a_node_that_does_not_exist_is_a_config_error_on_target():
    bad = graph([node("start", "api_trigger"), jump("again", "nowhere")], [edge("start", "again")])

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("invalid_config", "again", "target")


def test_an_edge_from_a_missing_node_is_dangling():
    bad = simple_graph()
    bad["edges"].append(edge("ghost", "done", edge_id="from-ghost"))

    [error] = validate_graph(bad).errors

    assert (error.code, error.edge_id, error.field, error.node_id) == ("dangling_edge", "from-ghost", "source", None)


def test_an_edge_to_a_missing_node_is_dangling():
    bad = simple_graph()
    bad["edges"][1]["target"] = "ghost"

    [error] = validate_graph(bad).errors

    assert (error.code, error.edge_id, error.field, error.node_id) == ("dangling_edge", "sms--done", "target", "sms")


def test_an_edge_from_a_port_the_node_does_not_have_is_an_unknown_port():
    bad = simple_graph()
    bad["edges"][1]["sourceHandle"] = "maybe"

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field, error.edge_id) == ("unknown_port", "sms", "maybe", "sms--done")


def test_an_edge_without_a_handle_from_a_node_with_several_ports_is_an_unknown_port():
    bad = graph(
        [node("start", "api_trigger"), node("wait", "wait_for_event"), node("done", "exit")],
        [edge("start", "wait"), edge("wait", "done", "matched"), edge("wait", "done", None, edge_id="bare")],
    )

    errors = validate_graph(bad).errors

    assert [(e.code, e.edge_id) for e in errors] == [("unknown_port", "bare"), ("unconnected_port", None)]
    assert "several ports" in errors[0].message


def test_an_edge_out_of_an_exit_is_an_unknown_port():
    bad = simple_graph()
    bad["nodes"].append(node("after", "send_sms"))
    bad["edges"].append(edge("done", "after"))

    assert [(e.code, e.node_id) for e in validate_graph(bad).errors] == [("unknown_port", "done")]


def test_a_port_that_leads_to_two_nodes_is_an_error():
    bad = simple_graph()
    bad["nodes"].append(node("done-too", "exit"))
    bad["edges"].append(edge("sms", "done-too", "next"))

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field, error.edge_id) == (
        "port_connected_twice",
        "sms",
        "next",
        "sms-next-done-too",
    )


def test_a_required_port_without_an_edge_is_unconnected():
    bad = graph(
        [node("start", "api_trigger"), node("wait", "wait_for_event"), node("done", "exit")],
        [edge("start", "wait"), edge("wait", "done", "matched")],
    )

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("unconnected_port", "wait", "timeout")


def test_every_split_variant_must_be_connected():
    bad = graph(
        [node("start", "api_trigger"), node("split", "split"), node("done", "exit")],
        [edge("start", "split"), edge("split", "done", "A")],
    )

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.field) == ("unconnected_port", "split", "B")


@pytest.mark.skipif(registry.get("condition") is None, reason="the condition node is not registered")
def test_every_condition_branch_must_be_connected_but_else_may_end_the_journey():
    pro = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
    branches = [{"key": "pro", "condition": pro}, {"key": "trial", "condition": pro}]
    bad = graph(
        [node("start", "api_trigger"), node("which", "condition", {"branches": branches}), node("done", "exit")],
        [edge("start", "which"), edge("which", "done", "pro")],
    )

    errors = validate_graph(bad).errors

    assert [(e.code, e.node_id, e.field) for e in errors] == [("unconnected_port", "which", "trial")]
    bad["edges"] += [edge("which", "done", "trial"), edge("which", "done", "else")]
    assert validate_graph(bad).ok


def test_an_action_whose_next_port_is_unconnected_is_fine():
    open_end = graph([node("start", "api_trigger"), node("sms", "send_sms")], [edge("start", "sms")])

    assert validate_graph(open_end).ok


def test_the_edges_of_a_node_with_an_invalid_config_are_not_port_checked():
    # A split's ports are its variants; with broken variants, port errors would only add noise.
    bad = graph(
        [node("start", "api_trigger"), node("split", "split", {"variants": "A/B"}), node("done", "exit")],
        [edge("start", "split"), edge("split", "done", "A")],
    )

    assert [(e.code, e.field) for e in validate_graph(bad).errors] == [("invalid_config", "variants")]


def test_an_edge_into_a_trigger_is_an_error():
    bad = simple_graph()
    bad["nodes"].append(node("again", "event_trigger"))
    bad["edges"] += [edge("again", "done")]
    bad["edges"][1]["target"] = "again"

    [error] = validate_graph(bad).errors

    assert (error.code, error.node_id, error.edge_id) == ("edge_into_trigger", "sms", "sms--done")


def test_a_jump_to_a_trigger_is_an_error():
    bad = graph([node("start", "api_trigger"), jump("again", "start")], [edge("start", "again")])

    errors = validate_graph(bad).errors

    assert [(e.code, e.node_id, e.field) for e in errors] == [("edge_into_trigger", "again", "target")]


# --- Loops


def test_a_loop_through_a_jump_without_a_wait_is_an_error_on_each_of_its_nodes():
    bad = graph(
        [node("start", "api_trigger"), node("sms", "send_sms"), jump("again", "sms")],
        [edge("start", "sms"), edge("sms", "again")],
    )

    errors = validate_graph(bad).errors

    assert [(e.code, e.node_id) for e in errors] == [("cycle_without_wait", "sms"), ("cycle_without_wait", "again")]
    assert "sms, again" in errors[0].message


def test_a_loop_of_edges_without_a_wait_is_an_error():
    bad = graph(
        [node("start", "api_trigger"), node("update", "update_attribute"), node("sms", "send_sms")],
        [edge("start", "update"), edge("update", "sms"), edge("sms", "update")],
    )

    assert [(e.code, e.node_id) for e in validate_graph(bad).errors] == [
        ("cycle_without_wait", "update"),
        ("cycle_without_wait", "sms"),
    ]


def test_a_jump_to_itself_is_a_loop_without_a_wait():
    bad = graph([node("start", "api_trigger"), jump("spin", "spin")], [edge("start", "spin")])

    assert [(e.code, e.node_id) for e in validate_graph(bad).errors] == [("cycle_without_wait", "spin")]


def test_a_loop_through_a_wait_for_event_is_fine():
    paced = graph(
        [node("start", "api_trigger"), node("wait", "wait_for_event"), node("sms", "send_sms"), jump("again", "wait")],
        [edge("start", "wait"), edge("wait", "sms", "timeout"), edge("wait", "sms", "matched", edge_id="m")],
    )
    paced["edges"][2]["target"] = "again"

    result = validate_graph(paced)

    assert result.ok, result.as_dict()
    assert result.warnings == []


@pytest.mark.skipif(registry.get("wait") is None, reason="the wait node is not registered")
def test_a_loop_through_a_wait_is_fine():
    paced = graph(
        [node("start", "api_trigger"), node("sms", "send_sms"), node("pause", "wait"), jump("again", "sms")],
        [edge("start", "sms"), edge("sms", "pause"), edge("pause", "again")],
    )

    assert validate_graph(paced).ok


def test_a_loop_of_500_nodes_is_found_without_recursion():
    ring = [node("start", "api_trigger")] + [node(f"n{i}", "send_sms") for i in range(MAX_NODES - 1)]
    edges = [edge(ring[i]["id"], ring[i + 1]["id"]) for i in range(MAX_NODES - 1)]
    edges.append(edge(ring[-1]["id"], "n0"))

    errors = validate_graph(graph(ring, edges)).errors

    assert len(errors) == MAX_NODES - 1
    assert {e.code for e in errors} == {"cycle_without_wait"}


def test_strongly_connected_components_groups_each_loop_and_leaves_other_nodes_alone():
    successors = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["a"]}

    components = strongly_connected_components(successors)

    assert sorted(sorted(c) for c in components) == [["a", "b", "c"], ["d", "e"], ["f"]]


# --- Warnings


def test_a_node_no_trigger_leads_to_is_unreachable():
    lonely = simple_graph()
    lonely["nodes"].append(node("island", "send_sms"))

    result = validate_graph(lonely)

    assert result.ok
    assert [(w.code, w.node_id) for w in result.warnings] == [("unreachable_node", "island")]


def test_a_node_reached_only_through_a_jump_is_reachable():
    via_jump = simple_graph()
    via_jump["nodes"] += [jump("hop", "later"), node("later", "send_email")]
    via_jump["edges"][1]["target"] = "hop"

    result = validate_graph(via_jump)

    assert [w.node_id for w in result.warnings] == ["done"]


def test_unreachable_nodes_are_not_reported_when_there_is_no_trigger():
    assert codes(validate_graph(graph([node("sms", "send_sms")], []))) == {"no_trigger"}


# --- Results as JSON


def test_a_result_serialises_with_every_key_present():
    bad = graph([node("sms", "send_sms")], [])

    assert validate_graph(bad).as_dict() == {
        "ok": False,
        "errors": [
            {
                "code": "no_trigger",
                "message": "a journey needs at least one trigger node to enter customers",
                "node_id": None,
                "field": None,
                "edge_id": None,
            }
        ],
        "warnings": [],
    }


@pytest.mark.parametrize("node_id", ["split/1", "a b", "émoji", "x?y"])
def test_node_ids_keep_to_url_safe_characters(node_id):
    graph_ = load_example()
    old = graph_["nodes"][0]["id"]
    graph_["nodes"][0]["id"] = node_id
    for link in graph_["edges"]:
        link["source"] = node_id if link["source"] == old else link["source"]
        link["target"] = node_id if link["target"] == old else link["target"]

    result = validate_graph(graph_)

    assert "invalid_shape" in codes(result)
    assert any(issue.field.endswith(".id") for issue in result.errors if issue.code == "invalid_shape")


def test_a_branch_without_a_key_is_named_as_a_branch():
    bad = simple_graph()
    condition = {"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}
    bad["nodes"][1] = node("check", "condition", {"branches": [{"condition": condition}]})
    bad["edges"] = [edge("start", "check"), edge("check", "done", "else")]

    messages = [e.message for e in validate_graph(bad).errors if e.code == "invalid_config"]

    assert messages == ["branch 1, key: This field is required."]
