"""Admin for journeys and what the engine writes: pages render at size, lifecycle actions, read-only logs."""

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from journeys.engine.batch import BatchWriter
from journeys.engine.entry import Entrant, enroll
from journeys.engine.tick import tick
from journeys.models import Customer, Delivery, Enrollment, Journey, JourneyVersion, NodeStat, Step
from tests.factories import make_graph, make_journey, node

pytestmark = pytest.mark.django_db

FINISHED = 300  # customers who went all the way through: three hundred steps, deliveries, exits
WAITING = 100  # customers still inside, at the wait
HOUR = timedelta(hours=1)


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(username="root", email="root@example.com", password="pw"))
    return client


def welcome_graph() -> dict:
    return make_graph(
        [
            node("start", "api_trigger", label="Signed up"),
            node("wait", "wait", {"mode": "duration", "seconds": 3600}, label="One hour"),
            node("email", "send_email", {"subject": "Welcome <friend>", "body": "Hello"}),
            node("done", "exit"),
        ],
        [("start", "next", "wait"), ("wait", "next", "email"), ("email", "next", "done")],
    )


def enter(journey: Journey, count: int, prefix: str) -> None:
    """Enter `count` new customers at the trigger, as the engine does for an audience."""
    customers = Customer.objects.bulk_create(Customer(external_id=f"{prefix}-{n:04d}") for n in range(count))
    writer = BatchWriter(timezone.now())
    enroll(
        writer=writer,
        journey_id=journey.pk,
        node_id="start",
        entrants=[Entrant(customer.pk, reason="matched the audience") for customer in customers],
    )
    writer.flush()


@dataclass
class Crowd:
    journey: Journey


@pytest.fixture
def crowd() -> Crowd:
    """A live journey: 300 customers finished (emailed, exited), 100 waiting at the wait node."""
    journey = make_journey(graph=welcome_graph(), name="Welcome series")
    enter(journey, FINISHED, "finished")
    start = timezone.now()
    tick(now=start)
    tick(now=start + 3 * HOUR)
    enter(journey, WAITING, "waiting")
    tick(now=timezone.now())
    return Crowd(journey=journey)


def changelist(model) -> str:
    return reverse(f"admin:journeys_{model._meta.model_name}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:journeys_{obj._meta.model_name}_change", args=[obj.pk])


def results(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def filter_choices(response, title: str) -> dict[str, str]:
    """{label: query string} of one filter in the changelist's sidebar."""
    cl = response.context["cl"]
    for spec in cl.filter_specs:
        if str(spec.title) == title:
            return {str(choice["display"]): choice["query_string"] for choice in spec.choices(cl)}
    raise AssertionError(f"no filter {title!r}")


def shown_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def run_action(admin_client, action: str, *journeys):
    return admin_client.post(
        changelist(Journey), {"action": action, "_selected_action": [j.pk for j in journeys]}, follow=True
    )


# --- every page renders with hundreds of rows


ENGINE_MODELS = [Journey, JourneyVersion, Enrollment, Step, Delivery, NodeStat]


@pytest.mark.parametrize("model", ENGINE_MODELS)
def test_every_changelist_renders_with_hundreds_of_rows(admin_client, crowd, model, django_assert_max_num_queries):
    # A bounded number of queries: a related object fetched per row would add a hundred.
    with django_assert_max_num_queries(20):
        response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(model.objects.count(), 100)


def test_there_are_hundreds_of_rows_behind_those_pages(crowd):
    assert Enrollment.objects.count() == FINISHED + WAITING
    assert Step.objects.count() > 1000
    assert Delivery.objects.count() == FINISHED


@pytest.mark.parametrize("model", ENGINE_MODELS)
def test_every_change_page_renders(admin_client, crowd, model):
    for obj in (model.objects.first(), model.objects.last()):
        response = admin_client.get(change_page(obj))
        assert response.status_code == 200, obj


def test_the_journey_add_page_renders(admin_client):
    assert admin_client.get(reverse("admin:journeys_journey_add")).status_code == 200


def test_the_admin_index_lists_the_journey_models(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    for model in ENGINE_MODELS:
        assert changelist(model) in html, model


# --- journeys: list, filters, search


def test_journeys_are_listed_with_status_version_and_entries(admin_client, crowd):
    make_journey(graph=welcome_graph(), name="Basket recovery", publish=False)

    html = admin_client.get(changelist(Journey)).content.decode()

    row = re.search(r"Welcome series.*?</tr>", html, re.DOTALL).group(0)
    assert '<td class="field-status">Live</td>' in row
    assert f">{FINISHED + WAITING}<" in row
    assert '<td class="field-version_number">1</td>' in row


def test_journeys_can_be_filtered_by_status_and_found_by_name(admin_client, crowd):
    draft = make_journey(graph=welcome_graph(), name="Basket recovery", publish=False)
    index = admin_client.get(changelist(Journey))

    drafts = admin_client.get(changelist(Journey) + filter_choices(index, "status")["Draft"])
    found = admin_client.get(changelist(Journey), {"q": "basket"})

    assert results(drafts) == [draft]
    assert results(found) == [draft]


# --- journeys: lifecycle actions go through the services


def test_pausing_from_the_admin_pauses_the_journey(admin_client, crowd):
    response = run_action(admin_client, "pause", crowd.journey)

    crowd.journey.refresh_from_db()
    assert crowd.journey.status == "paused"
    assert shown_messages(response) == [("success", "Paused 1 journey.")]


def test_each_lifecycle_action_moves_the_journey_on(admin_client):
    journey = make_journey(graph=welcome_graph())

    for action, status in [
        ("pause", "paused"),
        ("resume", "live"),
        ("close", "closed"),
        ("stop", "stopped"),
        ("archive", "archived"),
    ]:
        run_action(admin_client, action, journey)
        journey.refresh_from_db()
        assert journey.status == status, action


def test_stopping_from_the_admin_exits_everyone_inside(admin_client, crowd):
    run_action(admin_client, "stop", crowd.journey)

    assert not Enrollment.objects.filter(status="active").exists()
    assert Enrollment.objects.filter(exit_reason="stopped").count() == WAITING


def test_an_invalid_transition_is_reported_and_changes_nothing(admin_client, crowd):
    draft = make_journey(graph=welcome_graph(), name="Basket recovery", publish=False)

    response = run_action(admin_client, "pause", crowd.journey, draft)

    crowd.journey.refresh_from_db()
    draft.refresh_from_db()
    assert (crowd.journey.status, draft.status) == ("paused", "draft")
    assert sorted(shown_messages(response)) == [
        ("error", "Basket recovery: cannot pause a draft journey"),
        ("success", "Paused 1 journey."),
    ]


def test_publishing_from_the_admin_makes_a_version_and_goes_live(admin_client):
    draft = make_journey(graph=welcome_graph(), publish=False)

    response = run_action(admin_client, "publish", draft)

    draft.refresh_from_db()
    assert (draft.status, draft.current_version.number) == ("live", 1)
    assert draft.current_version.published_by.username == "root"
    assert shown_messages(response) == [("success", "Published 1 journey.")]


def test_publishing_an_invalid_graph_from_the_admin_names_the_node(admin_client):
    graph = welcome_graph()
    graph["nodes"][2]["data"]["config"] = {"body": "no subject"}
    draft = make_journey(graph=graph, name="Broken", publish=False)

    response = run_action(admin_client, "publish", draft)

    draft.refresh_from_db()
    assert (draft.status, draft.current_version) == ("draft", None)
    [(level, message)] = shown_messages(response)
    assert level == "error"
    assert message.startswith("Broken: the journey has errors that block publishing: email: ")


# --- journeys: editing the draft


def test_the_draft_can_be_edited_in_the_admin(admin_client):
    journey = make_journey(graph=welcome_graph(), name="Welcome", publish=False)
    graph = welcome_graph()
    graph["nodes"][1]["data"]["config"]["seconds"] = 7200

    response = admin_client.post(
        change_page(journey),
        {"name": "Welcome v2", "description": "", "graph": json.dumps(graph), "settings": "{}", "_save": "Save"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    journey.refresh_from_db()
    assert (journey.name, journey.graph, journey.status) == ("Welcome v2", graph, "draft")


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was saved"
    return response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("graph_text", "problem"),
    [
        ("[1, 2]", "the graph must be an object with lists nodes and edges"),
        ('"abc"', "the graph must be an object with lists nodes and edges"),
        ('{"nodes": [{"id": "a\\u0000"}], "edges": []}', "NUL character"),
        ('{"nodes": [{"id": "\\ud800"}], "edges": []}', "surrogate"),
        ('{"nodes": [], "edges": [], "x": 1e400}', "infinity"),
        ("[" * 10_000 + "]" * 10_000, "depth limit"),
        ('{"nodes": [], "edges": [], "x": ' + "[" * 65 + "]" * 65 + "}", "levels deep"),
    ],
)
def test_the_journey_form_refuses_a_graph_the_api_would_refuse(admin_client, graph_text, problem):
    journey = make_journey(graph=welcome_graph(), name="Welcome", publish=False)

    response = admin_client.post(
        change_page(journey),
        {"name": "Welcome", "description": "", "graph": graph_text, "settings": "{}", "_save": "Save"},
    )

    assert problem in " ".join(form_errors(response)["graph"])
    journey.refresh_from_db()
    assert journey.graph == welcome_graph()


def test_adding_a_journey_with_a_graph_that_is_not_one_saves_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:journeys_journey_add"),
        {"name": "New", "description": "", "graph": "[1, 2]", "settings": "{}", "_save": "Save"},
    )

    assert "graph" in form_errors(response)
    assert not Journey.objects.exists()


def test_the_journey_form_refuses_settings_that_are_not_an_object(admin_client):
    journey = make_journey(graph=welcome_graph(), name="Welcome", publish=False)

    response = admin_client.post(
        change_page(journey),
        {"name": "Welcome", "description": "", "graph": json.dumps(welcome_graph()), "settings": "[1]"},
    )

    assert form_errors(response)["settings"] == ["settings must be an object"]


def test_customer_attributes_with_a_nul_are_refused_in_the_admin(admin_client):
    customer = Customer.objects.create(external_id="ada")

    response = admin_client.post(
        reverse("admin:journeys_customer_change", args=[customer.pk]),
        {
            "external_id": "ada",
            "consent": "{}",
            "attributes": '{"plan": "pro\\u0000"}',
            "anonymous_ids-TOTAL_FORMS": "0",
            "anonymous_ids-INITIAL_FORMS": "0",
        },
    )

    assert "NUL character" in " ".join(form_errors(response)["attributes"])
    customer.refresh_from_db()
    assert customer.attributes == {}


def test_the_status_is_not_a_form_field(admin_client):
    journey = make_journey(graph=welcome_graph(), name="Welcome", publish=False)

    admin_client.post(
        change_page(journey),
        {"name": "Welcome", "graph": json.dumps(welcome_graph()), "settings": "{}", "status": "live"},
    )

    journey.refresh_from_db()
    assert journey.status == "draft"


def test_an_archived_journey_is_read_only(admin_client):
    journey = make_journey(graph=welcome_graph(), name="Old", publish=False)
    run_action(admin_client, "archive", journey)

    page = admin_client.get(change_page(journey))
    refused = admin_client.post(
        change_page(journey), {"name": "Renamed", "graph": json.dumps(welcome_graph()), "settings": "{}"}
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert refused.status_code == 403
    journey.refresh_from_db()
    assert journey.name == "Old"


def test_a_live_journey_cannot_be_deleted_but_a_draft_can(admin_client, crowd):
    draft = make_journey(graph=welcome_graph(), publish=False)

    live_refused = admin_client.post(reverse("admin:journeys_journey_delete", args=[crowd.journey.pk]), {"post": "yes"})
    draft_deleted = admin_client.post(reverse("admin:journeys_journey_delete", args=[draft.pk]), {"post": "yes"})

    assert live_refused.status_code == 403
    assert draft_deleted.status_code == 302
    assert list(Journey.objects.all()) == [crowd.journey]


# --- versions


def test_the_version_page_shows_the_graph_indented_and_escaped(admin_client, crowd):
    version = crowd.journey.current_version

    response = admin_client.get(change_page(version))

    html = response.content.decode()
    assert "&quot;subject&quot;: &quot;Welcome &lt;friend&gt;&quot;" in html
    assert "\n      &quot;id&quot;: &quot;wait&quot;,\n" in html  # indented, one key a line
    assert "<friend>" not in html
    assert 'name="_save"' not in html


def test_a_version_cannot_be_changed_added_or_deleted(admin_client, crowd):
    version = crowd.journey.current_version

    assert admin_client.post(change_page(version), {"number": 9}).status_code == 403
    assert admin_client.get(reverse("admin:journeys_journeyversion_add")).status_code == 403
    delete_page = reverse("admin:journeys_journeyversion_delete", args=[version.pk])
    assert admin_client.post(delete_page, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.number == 1


# --- enrollments, steps and deliveries: the engine writes them, the admin only shows them


def test_enrollments_can_be_filtered_by_journey_then_node_and_by_status(admin_client, crowd):
    make_journey(graph=welcome_graph(), name="Another")  # with one journey, Django hides the journey filter
    index = admin_client.get(changelist(Enrollment))
    in_journey = admin_client.get(changelist(Enrollment) + filter_choices(index, "journey")["Welcome series"])

    nodes = filter_choices(in_journey, "node")
    at_wait = admin_client.get(changelist(Enrollment) + nodes["wait (One hour)"])
    exited = admin_client.get(changelist(Enrollment) + filter_choices(index, "status")["Exited"])

    assert "node" not in {str(spec.title) for spec in index.context["cl"].filter_specs if spec.has_output()}
    assert set(nodes) == {"All", "start (Signed up)", "wait (One hour)", "email (send_email)", "done (exit)"}
    assert at_wait.context["cl"].result_count == WAITING
    assert {e.node_id for e in results(at_wait)} == {"wait"}
    assert exited.context["cl"].result_count == FINISHED
    assert {e.status for e in results(exited)} == {"exited"}


def test_enrollments_can_be_found_by_the_customers_external_id(admin_client, crowd):
    response = admin_client.get(changelist(Enrollment), {"q": "waiting-0007"})

    assert [e.customer.external_id for e in results(response)] == ["waiting-0007"]


def test_the_enrollment_list_shows_the_version_number(admin_client, crowd):
    html = admin_client.get(changelist(Enrollment)).content.decode()

    assert '<td class="field-version_number">1</td>' in html


def test_the_enrollment_page_shows_its_context(admin_client, crowd):
    enrollment = Enrollment.objects.filter(status="active").first()

    html = admin_client.get(change_page(enrollment)).content.decode()

    assert "&quot;visits&quot;" in html
    assert 'name="_save"' not in html


def test_steps_can_be_filtered_by_action_and_found_by_node(admin_client, crowd):
    index = admin_client.get(changelist(Step))

    exits = admin_client.get(changelist(Step) + filter_choices(index, "action")["exited"])
    at_email = admin_client.get(changelist(Step), {"q": "email"})

    assert exits.context["cl"].result_count == FINISHED
    assert {step.action for step in results(exits)} == {"exited"}
    assert at_email.context["cl"].result_count == Step.objects.filter(node_id="email").count() == FINISHED
    assert results(exits)[0].id > results(exits)[-1].id  # newest first


def test_deliveries_can_be_filtered_by_channel_and_status(admin_client, crowd):
    index = admin_client.get(changelist(Delivery))

    channels = filter_choices(index, "channel")
    email = admin_client.get(changelist(Delivery) + channels["Email"])
    sms = admin_client.get(changelist(Delivery) + channels["SMS"])
    queued = admin_client.get(changelist(Delivery) + filter_choices(index, "status")["Queued"])

    # Every registered channel, by its label.
    assert {"Email", "SMS", "Webhook", "In-App Message"} <= set(channels)
    assert email.context["cl"].result_count == FINISHED
    assert sms.context["cl"].result_count == 0
    assert queued.context["cl"].result_count == FINISHED


@pytest.mark.parametrize("model", [Enrollment, Step, Delivery, NodeStat])
def test_engine_rows_cannot_be_changed_added_or_deleted(admin_client, crowd, model):
    obj = model.objects.first()
    before = model.objects.filter(pk=obj.pk).values().get()

    changed = admin_client.post(change_page(obj), {"node_id": "elsewhere", "status": "exited", "_save": "Save"})
    added = admin_client.get(reverse(f"admin:journeys_{model._meta.model_name}_add"))
    delete_page = reverse(f"admin:journeys_{model._meta.model_name}_delete", args=[obj.pk])
    deleted = admin_client.post(delete_page, {"post": "yes"})

    assert (changed.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert 'name="_save"' not in admin_client.get(change_page(obj)).content.decode()
