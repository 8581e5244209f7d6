"""POST /api/node-titles/: the canvas asks what its nodes do, unsaved edits included."""

import pytest

from journeys import roles
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

URL = "/api/node-titles/"


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_it_titles_each_node_by_id_and_leaves_out_unknown_kinds():
    body = {
        "nodes": [
            {"id": "t", "kind": "event_trigger", "config": {"event": "Signed Up"}},
            {"id": "w", "kind": "wait", "config": {"mode": "duration", "seconds": 3600}},
            {"id": "x", "kind": "no_such_kind", "config": {}},
        ]
    }
    response = post(logged_in(roles.MARKETERS), body)

    assert response.status_code == 200
    assert response.json() == {"titles": {"t": "When Signed Up", "w": "Wait 1 h"}}


def test_a_reviewer_may_ask_but_a_user_without_a_role_or_a_stranger_may_not():
    body = {"nodes": [{"id": "t", "kind": "exit", "config": {}}]}

    assert post(logged_in(roles.REVIEWERS), body).json() == {"titles": {"t": "Exit"}}
    assert post(logged_in(None), body).status_code == 403
    from django.test import Client

    assert post(Client(), body).status_code in (401, 403)


def test_bad_input_is_a_clear_400():
    client = logged_in(roles.MARKETERS)

    assert post(client, {"nodes": "all"}).status_code == 400
    too_many = {"nodes": [{"id": str(i), "kind": "exit"} for i in range(501)]}
    assert post(client, too_many).status_code == 400
    assert post(client, {"nodes": [{"id": "x" * 65, "kind": "exit"}]}).status_code == 400


def test_the_api_checks_csrf_for_a_browser_session():
    from django.test import Client

    from tests.factories import make_user

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(role=roles.MARKETERS))

    assert post(client, {"nodes": []}).status_code == 403


def test_a_condition_on_a_score_is_titled_with_the_predictions_name():
    from journeys.conditions import describe_condition
    from journeys.predictions import services

    likely = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    condition = {"type": "prediction", "prediction": likely.pk, "op": "gte", "value": 0.7}
    body = {
        "nodes": [{"id": "c", "kind": "condition", "config": {"branches": [{"key": "yes", "condition": condition}]}}]
    }

    response = post(logged_in(roles.REVIEWERS), body)

    assert response.json() == {"titles": {"c": "If likelihood to order ≥ 0.7"}}
    # Step reasons, written for every customer, stay free of the lookup.
    assert describe_condition(condition) == f"prediction #{likely.pk} ≥ 0.7"
