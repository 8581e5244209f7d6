"""The diff of two journey graphs that reviewers read and the canvas draws."""

from journeys.governance.diff import graph_diff, is_empty, summary
from tests.factories import make_graph, node


def graph(subject="Hi", extra=False):
    nodes = [node("start", "api_trigger"), node("email", "send_email", {"subject": subject, "body": "b"})]
    edges = [("start", "next", "email")]
    if extra:
        nodes.append(node("done", "exit"))
        edges.append(("email", "next", "done"))
    return make_graph(nodes, edges)


def test_it_finds_added_removed_and_changed_nodes_and_edges():
    diff = graph_diff(graph(extra=True), graph(subject="Hello"))
    assert diff["nodes"]["removed"] == ["done"]
    assert diff["nodes"]["changed"] == [
        {
            "id": "email",
            "fields": ["config.subject"],
            "values": [{"field": "config.subject", "before": "Hi", "after": "Hello"}],
        }
    ]
    assert diff["names"] == {"done": "exit", "email": "send_email"}  # the kind, where a step has no label
    assert diff["edges"]["removed"] == ["email-next-done"]
    back = graph_diff(graph(), graph(extra=True))
    assert back["nodes"]["added"] == ["done"] and back["edges"]["added"] == ["email-next-done"]


def test_a_moved_node_is_a_move_not_a_change():
    moved = graph()
    moved["nodes"][0]["position"] = {"x": 300, "y": 40}
    diff = graph_diff(graph(), moved)
    assert diff["nodes"]["moved"] == ["start"] and diff["nodes"]["changed"] == []
    assert is_empty(diff)


def test_steps_are_named_by_their_label():
    before, after = graph(), graph(subject="Hello")
    after["nodes"][1]["data"]["label"] = "Welcome email"

    diff = graph_diff(before, after)

    assert diff["names"] == {"email": "Welcome email"}
    assert {"field": "label", "before": "", "after": "Welcome email"} in diff["nodes"]["changed"][0]["values"]


def test_settings_changes_are_listed_by_key():
    diff = graph_diff(
        graph(),
        graph(),
        settings_before={"re_entry": {"mode": "never"}},
        settings_after={"re_entry": {"mode": "always"}},
    )
    assert diff["settings"] == [{"key": "re_entry", "before": {"mode": "never"}, "after": {"mode": "always"}}]


def test_a_journey_never_published_is_all_added_and_summarised_in_counts():
    diff = graph_diff(None, graph())
    assert diff["nodes"]["added"] == ["email", "start"]
    assert summary(diff)["nodes"] == {"added": 2}


def test_an_edge_retargeted_under_the_same_id_is_changed():
    before, after = graph(extra=True), graph(extra=True)
    after["edges"][1]["target"] = "start"
    assert graph_diff(before, after)["edges"]["changed"] == [{"id": "email-next-done", "fields": ["target"]}]
