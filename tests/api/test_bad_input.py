"""Input that cannot be stored or processed is refused with a 400 that says what and where, never a 500."""

import json

import pytest
from django.test import Client

from journeys import roles
from journeys.input import MAX_DEPTH, InputError, check_value, loads
from journeys.models import Enrollment, Journey, MessageTemplate
from tests.factories import logged_in, make_graph, make_journey, node

pytestmark = pytest.mark.django_db

NUL = "\u0000"


@pytest.fixture
def admin_api() -> Client:
    return logged_in(roles.ADMINS)


def post_raw(client: Client, path: str, raw: bytes | str):
    return client.post(path, raw, content_type="application/json")


def post(client: Client, path: str, data):
    return post_raw(client, path, json.dumps(data))


def graph_with(*, label="Start", node_id="start", config=None) -> dict:
    return make_graph([node(node_id, "api_trigger", config or {}, label=label)], [])


def nested(depth: int):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def api_trigger_journey() -> Journey:
    return make_journey(
        graph=make_graph([node("start", "api_trigger"), node("done", "exit")], [("start", "next", "done")])
    )


# --- the shared checks


def test_check_value_names_the_path_to_a_nul():
    with pytest.raises(InputError) as caught:
        check_value({"graph": {"nodes": [{"data": {"label": f"a{NUL}b"}}]}})

    assert "NUL" in caught.value.problem
    assert caught.value.where == "$.graph.nodes[0].data.label"


def test_check_value_finds_a_nul_or_a_lone_surrogate_in_a_key():
    with pytest.raises(InputError, match=r"key contains a NUL.*\$\.config"):
        check_value({"config": {f"k{NUL}": 1}})
    with pytest.raises(InputError, match="key contains a lone surrogate"):
        check_value({"config": {"\ud800": 1}})


def test_check_value_refuses_non_finite_numbers():
    with pytest.raises(InputError, match=r"finite.*\$\.x\[1\]"):
        check_value({"x": [1.0, float("inf")]})


def test_check_value_reports_excessive_depth_without_recursing():
    check_value(nested(MAX_DEPTH))

    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} levels"):
        check_value(nested(100_000))


def test_loads_names_the_line_and_column_of_malformed_json():
    with pytest.raises(InputError, match=r"not valid JSON.*line 2 column"):
        loads('{"a": 1,\n oops}')


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul():
    assert loads(r'{"path": "C:\\u0000dir"}') == {"path": "C:\\u0000dir"}


# --- NUL in stored JSON bodies


@pytest.mark.parametrize(
    ("graph", "where"),
    [
        (graph_with(label=f"Start{NUL}"), "$.graph.nodes[0].data.label"),
        (graph_with(node_id=f"st{NUL}art"), "$.graph.nodes[0].id"),
        (graph_with(config={"event": f"Signed{NUL}Up"}), "$.graph.nodes[0].data.config.event"),
        (graph_with(config={f"ev{NUL}ent": "x"}), "$.graph.nodes[0].data.config"),
    ],
)
def test_a_nul_anywhere_in_a_graph_is_a_400_naming_where(admin_api, graph, where):
    response = post(admin_api, "/api/journeys/", {"name": "Welcome", "graph": graph})

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert f"(at {where})" in response.json()["detail"]
    assert not Journey.objects.exists()


def test_a_nul_in_a_graph_edit_is_a_400(admin_api):
    journey = api_trigger_journey()

    response = admin_api.patch(
        f"/api/journeys/{journey.pk}/",
        json.dumps({"graph": graph_with(label=NUL)}),
        content_type="application/json",
    )

    assert response.status_code == 400
    journey.refresh_from_db()
    assert NUL not in json.dumps(journey.graph)


@pytest.mark.parametrize(
    "field",
    [{"name": f"Im{NUL}ported"}, {"description": NUL}, {"settings": {"entry": NUL}}],
)
def test_a_nul_in_an_import_is_a_400(admin_api, field):
    body = {"format": "cjo.journey", "version": 1, "name": "Imported", "graph": {"nodes": [], "edges": []}, **field}

    response = post(admin_api, "/api/journeys/import/", body)

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not Journey.objects.exists()


def test_a_nul_in_an_enroll_context_is_a_400(admin_api):
    journey = api_trigger_journey()

    response = post(admin_api, f"/api/journeys/{journey.pk}/enroll/", {"customer_id": "u1", "context": {"a": NUL}})

    assert response.status_code == 400
    assert "$.context.a" in response.json()["detail"]
    assert not Enrollment.objects.exists()


def test_a_nul_in_a_template_body_is_a_400(admin_api):
    response = post(admin_api, "/api/templates/", {"name": "Code", "channel": "sms", "body": f"Code{NUL}"})

    assert response.status_code == 400
    assert not MessageTemplate.objects.exists()


# --- what is not JSON we can keep


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('{"name": "J", "graph": {"nodes": [{"id": "a", "data": {"label": "\\ud800"}}], "edges": []}}', "surrogate"),
        ('{"name": "J", "graph": {"nodes": [{"id": "a", "data": {"\\udc00": 1}}], "edges": []}}', "surrogate"),
        ('{"name": "J", "settings": {"cap": 1e400}}', "infinity"),
        ('{"name": "J", "settings": {"cap": NaN}}', "not valid JSON"),
        ("[" * 10_000 + "]" * 10_000, "depth"),
        ('{"name": "J", "settings": ' + json.dumps(nested(MAX_DEPTH + 1)) + "}", "levels deep"),
    ],
)
def test_json_that_cannot_be_kept_is_a_400_naming_the_problem(admin_api, raw, problem):
    response = post_raw(admin_api, "/api/journeys/", raw)

    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert not Journey.objects.exists()


def test_nesting_within_the_limit_is_accepted(admin_api):
    response = post(admin_api, "/api/journeys/", {"name": "J", "settings": {"note": nested(MAX_DEPTH - 2)}})

    # Past the parser; what the settings checks then say about an unknown key is theirs to say.
    assert response.status_code in (201, 400)
    assert "levels deep" not in response.content.decode()


def test_a_form_encoded_body_is_refused_as_unsupported(admin_api):
    response = admin_api.post("/api/journeys/", {"name": "J"})

    assert response.status_code == 415


# --- URLs


def test_a_nul_in_a_query_parameter_is_a_400(admin_api):
    journey = api_trigger_journey()

    response = admin_api.get(f"/api/journeys/{journey.pk}/enrollments/", {"status": NUL})

    assert response.status_code == 400
    assert "'status'" in response.json()["detail"]


def test_a_nul_in_a_query_parameter_name_or_the_path_is_a_400(admin_api):
    assert admin_api.get("/api/journeys/", {NUL: "1"}).status_code == 400
    assert admin_api.get("/api/customers/a%00b/journeys/").status_code == 400


def test_a_nul_in_an_ingestion_query_is_a_400_in_its_error_shape():
    response = Client().post("/v1/track?x=%00", b"{}", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "NUL" in response.json()["error"]


def test_a_nul_in_a_page_query_is_a_plain_400(admin_api):
    response = admin_api.get("/admin/journeys/journey/", {"q": NUL})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "suffix", ["export.json/", "versions.json/", "versions/1.json/", "counters.json/", "enrollments.json/"]
)
def test_format_suffixes_on_actions_are_not_routes(admin_api, suffix):
    journey = api_trigger_journey()

    assert admin_api.get(f"/api/journeys/{journey.pk}/{suffix}").status_code == 404
    assert admin_api.get(f"/api/journeys/{journey.pk}/{suffix.replace('.json', '')}").status_code == 200


# --- import


def test_an_import_whose_version_is_true_is_refused(admin_api):
    body = {"format": "cjo.journey", "version": True, "name": "J", "graph": {"nodes": [], "edges": []}}

    response = post(admin_api, "/api/journeys/import/", body)

    assert response.status_code == 400
    assert "unsupported export version True" in response.json()["detail"]


def test_an_import_larger_than_the_server_reads_is_a_json_400_naming_the_limit(admin_api, settings):
    settings.DEBUG = False  # the error handlers only answer for themselves with DEBUG off
    envelope = {"format": "cjo.journey", "version": 1, "name": "Big", "graph": {"nodes": [], "edges": []}}
    envelope["padding"] = "x" * (3 * 1024 * 1024)

    response = post(admin_api, "/api/journeys/import/", envelope)

    assert response.status_code == 400
    assert response.json() == {"detail": "the request body is larger than 2.5 MB, the most this server reads"}
    assert not Journey.objects.filter(name="Big").exists()


def test_an_unknown_api_address_is_a_json_404_and_a_page_address_gets_the_page(admin_api, settings):
    settings.DEBUG = False

    api_answer = admin_api.get("/api/customers/not-a-number/")
    page_answer = admin_api.get("/no-such-page/")

    assert api_answer.status_code == 404 and api_answer.json() == {"detail": "Not found."}
    assert page_answer.status_code == 404 and page_answer["Content-Type"].startswith("text/html")


def test_a_chunked_body_without_a_length_is_refused_rather_than_read_as_empty(admin_api):
    journey = api_trigger_journey()

    response = admin_api.patch(
        f"/api/journeys/{journey.pk}/",
        json.dumps({"description": "sent chunked"}),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",  # as daphne hands over a chunked request
    )

    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    journey.refresh_from_db()
    assert journey.description == ""
