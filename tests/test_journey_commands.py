import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from journeys.models import Journey
from journeys.services import journey_export
from tests.factories import make_graph, make_journey, node

pytestmark = pytest.mark.django_db

SETTINGS = {"re_entry": {"mode": "after_exit", "min_gap_seconds": 0}, "entry_cap": 500}


def run(*args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def basket_graph() -> dict:
    graph = make_graph(
        [
            node("start", "event_trigger", {"event": "Product Added"}, label="Basket filled"),
            node("buy", "wait_for_event", {"event": "Order Completed", "timeout_seconds": 86400}),
            node("remind", "send_email", {"subject": "Still thinking? ✉", "body": "<p>Your basket</p>"}),
            node("done", "exit", {"reason": "bought"}),
        ],
        [("start", "next", "buy"), ("buy", "matched", "done"), ("buy", "timeout", "remind"), ("remind", None, "done")],
    )
    graph["nodes"][1]["position"] = {"x": 240.5, "y": -80}
    return graph


@pytest.fixture
def journey():
    return make_journey(graph=basket_graph(), settings=SETTINGS, name="Basket recovery", publish=False)


def test_export_then_import_round_trips_the_graph_and_settings(journey, tmp_path):
    path = tmp_path / "basket.json"
    run("export_journey", str(journey.pk), "--output", str(path))

    stdout, stderr = run("import_journey", str(path))

    copy = Journey.objects.get(pk=int(stdout.strip().splitlines()[-1]))
    assert copy.pk != journey.pk
    assert (copy.name, copy.status, copy.current_version) == ("Basket recovery", "draft", None)
    assert json.dumps(copy.graph, sort_keys=True) == json.dumps(basket_graph(), sort_keys=True)
    assert json.dumps(copy.settings, sort_keys=True) == json.dumps(SETTINGS, sort_keys=True)
    assert "Basket recovery" in stderr


def test_export_prints_indented_json_with_sorted_keys(journey):
    stdout, _ = run("export_journey", str(journey.pk))

    assert stdout == json.dumps(journey_export(journey=journey), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "Still thinking? ✉" in stdout


def test_export_writes_the_same_json_to_a_file(journey, tmp_path):
    path = tmp_path / "out.json"

    stdout, stderr = run("export_journey", str(journey.pk), "--output", str(path))

    assert stdout == ""
    assert str(path) in stderr
    assert path.read_text(encoding="utf-8") == run("export_journey", str(journey.pk))[0]


def test_import_reads_standard_input_given_a_dash(journey, monkeypatch):
    exported, _ = run("export_journey", str(journey.pk))
    monkeypatch.setattr("sys.stdin", io.StringIO(exported))

    stdout, _ = run("import_journey", "-")

    assert Journey.objects.get(pk=int(stdout.strip())).graph == basket_graph()


def test_an_imported_journey_exports_exactly_as_the_original(journey, monkeypatch):
    exported, _ = run("export_journey", str(journey.pk))
    monkeypatch.setattr("sys.stdin", io.StringIO(exported))

    new_id = run("import_journey", "-")[0].strip()

    assert run("export_journey", new_id)[0] == exported


def test_exporting_an_unknown_id_is_a_clear_error(db):
    with pytest.raises(CommandError, match="There is no journey with id 424242"):
        run("export_journey", "424242")


def test_exporting_to_a_folder_that_does_not_exist_is_a_clear_error(journey, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_journey", str(journey.pk), "--output", str(tmp_path / "missing" / "out.json"))


def test_importing_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*nothing\.json"):
        run("import_journey", str(tmp_path / "nothing.json"))
    assert not Journey.objects.exists()


def test_importing_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Café"}'.encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        run("import_journey", str(path))


def test_importing_bad_json_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "cjo.journey", ', encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken\.json is not valid JSON"):
        run("import_journey", str(path))
    assert not Journey.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nodes": [], "edges": []}, "not a journey export"),
        ([1, 2, 3], "not a journey export"),
        ({"format": "cjo.journey", "version": 2, "name": "x", "graph": {"nodes": [], "edges": []}}, "version 2"),
        ({"format": "cjo.journey", "version": True, "name": "x", "graph": {"nodes": [], "edges": []}}, "version True"),
        ({"format": "cjo.journey", "version": 1, "name": "x\u0000", "graph": {"nodes": [], "edges": []}}, "NUL"),
        ({"format": "cjo.journey", "version": 1, "name": "x", "graph": {"nodes": []}}, "graph must be"),
        ({"format": "cjo.journey", "version": 1, "name": " ", "graph": {"nodes": [], "edges": []}}, "name must be"),
    ],
)
def test_importing_a_file_in_the_wrong_format_is_a_clear_error(tmp_path, data, message):
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match=rf"wrong\.json cannot be imported: .*{message}"):
        run("import_journey", str(path))
    assert not Journey.objects.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"name": "\\ud800"}', "surrogate"),
        ('{"entry_cap": 1e400}', "infinity"),
        ("[" * 10_000 + "]" * 10_000, "depth limit"),
    ],
)
def test_importing_json_that_cannot_be_kept_names_the_problem(tmp_path, text, problem):
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match=rf"hostile\.json is not valid JSON: .*{problem}.*\(at line 1 column"):
        run("import_journey", str(path))
    assert not Journey.objects.exists()
