"""A journey with an A/B split for experiment tests: Signed Up enters, the split sends A or B to a wait."""

from tests.factories import make_graph, make_journey, node


def experiment_journey(*, variants=None, goal="Purchased", window_days=7, re_entry="never"):
    variants = variants or [{"key": "A", "weight": 50, "control": True}, {"key": "B", "weight": 50}]
    nodes = [node("t", "event_trigger", {"event": "Signed Up"}), node("s", "split", {"variants": variants})]
    edges = [("t", "next", "s")]
    for variant in variants:
        wait_id = f"wait-{variant['key']}"
        nodes.append(node(wait_id, "wait", {"mode": "duration", "seconds": 3600}))
        edges.append(("s", variant["key"], wait_id))
    settings = {"re_entry": {"mode": re_entry}}
    if goal:
        settings["goal"] = {"event": goal, "window_days": window_days}
    return make_journey(graph=make_graph(nodes, edges), settings=settings)
