"""Predictions in Chromium: a Marketer defines one, trains it, reads its quality page, and uses it on the canvas."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bench.synthetic import generate_customers
from journeys import roles
from journeys.models import Prediction, PredictionTraining
from journeys.predictions import services
from tests.browser.helpers import field, open_editor, select
from tests.factories import make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.browser


def test_a_marketer_defines_trains_reads_and_uses_a_prediction(
    transactional_db, page, live_server_url, login, artifact_path
):
    generate_customers(customers=2000, now=timezone.now(), source_id=make_source().pk, seed=11)
    login(page, make_user(role=roles.MARKETERS))

    # Define.
    page.goto(f"{live_server_url}/predictions/")
    page.get_by_label("Name").fill("likelihood to order")
    page.get_by_label("Event").fill("Order Completed")
    page.get_by_role("button", name="Define").click()
    expect(page.locator("h1")).to_have_text("likelihood to order")
    prediction = Prediction.objects.get(name="likelihood to order")

    # Train now: the page shows the queued run and follows it; the worker's part runs here.
    page.get_by_role("button", name="Train now").click()
    expect(page.locator("#training")).to_contain_text("Training queued")
    page.screenshot(path=artifact_path("prediction-training.png"), full_page=True)
    run = PredictionTraining.objects.get(prediction=prediction)
    assert services.training_run(run_id=run.pk).status == "done"
    expect(page.locator("#auc")).to_have_text(re.compile(r"0\.[5-9]\d\d"), timeout=20_000)  # the poll reloads
    for words in ("Reliability plot", "Lift by decile", "Most important features", "Mann-Whitney"):
        expect(page.locator("main")).to_contain_text(words)
    assert page.locator("svg circle").count() >= 3  # reliability dots
    assert page.locator("svg rect").count() == 10  # one bar per decile
    page.screenshot(path=artifact_path("prediction-quality.png"), full_page=True)

    # Use it in a condition branch on the canvas, with the audience estimate.
    graph = make_graph(
        [
            node("start", "api_trigger", label="Start"),
            node("check", "condition", {"branches": [{"key": "likely", "condition": {"all": []}}]}, label="Likely?"),
            node("done", "exit"),
        ],
        [("start", "next", "check"), ("check", "likely", "done"), ("check", "else", "done")],
    )
    journey = make_journey(graph=graph, name="Order nudges", publish=False)
    open_editor(page, live_server_url, journey)
    select(page, "check")
    branches = field(page, "branches")
    branches.get_by_role("button", name="+ Prediction").first.click()
    branches.get_by_label("Prediction", exact=True).select_option(label="likelihood to order")
    branches.get_by_label("Score test").select_option("top")
    branches.get_by_label("Top percent").fill("10")
    expect(branches.locator(".prediction-condition__estimate")).to_have_text(re.compile(r"^\d[\d,]* customers? match"))
    page.screenshot(path=artifact_path("prediction-condition.png"), full_page=True)


def test_a_prediction_s_population_is_built_with_the_condition_builder_and_its_estimate(
    transactional_db, page, live_server_url, login, artifact_path
):
    from journeys.models import EventName
    from tests.factories import make_customer

    EventName.objects.create(name="Plan Upgraded", first_seen_at=timezone.now())
    for number in range(5):
        make_customer(external_id=f"pro-{number}", attributes={"plan": "pro" if number < 3 else "free"})
    login(page, make_user(role=roles.MARKETERS))
    page.goto(f"{live_server_url}/predictions/")
    # The JSON textareas give way to the canvas's inputs; their JSON help goes with them.
    for name, help_text in (("population", "a condition as JSON"), ("target_filters", '[{"property": "total"')):
        expect(page.locator(f"textarea[name={name}]")).to_be_hidden()
        expect(page.get_by_text(help_text)).to_be_hidden()
    # Each field's label names the group of inputs drawn in its place.
    population = page.get_by_role("group", name="Population")
    expect(population.get_by_label("Everyone")).to_be_checked()

    page.get_by_label("Name").fill("pro upgrades")
    # The event input suggests the names seen in the data, as the canvas's does.
    page.get_by_label("Event").fill("Plan")
    expect(page.locator('datalist option[value="Plan Upgraded"]')).to_be_attached()
    page.get_by_label("Event").fill("Plan Upgraded")
    filters = page.get_by_role("group", name="Property filters")
    filters.get_by_role("button", name="+ Filter").click()
    filters.get_by_label("Property").fill("seats")
    filters.get_by_label("Operator").select_option("gt")
    filters.get_by_label("Value").fill("5")
    population.get_by_label("Customers who match a condition").check()
    population.get_by_role("button", name="+ Attribute").click()
    population.get_by_placeholder("e.g. plan").fill("plan")
    population.get_by_label("Value").fill("pro")
    expect(population.get_by_test_id("audience-estimate")).to_have_text("3 customers match now")
    page.screenshot(path=artifact_path("prediction-population-builder.png"), full_page=True)
    page.get_by_role("button", name="Define").click()

    expect(page.locator("h1")).to_have_text("pro upgrades")
    prediction = Prediction.objects.get(name="pro upgrades")
    assert prediction.target_event == "Plan Upgraded"
    assert prediction.target_filters == [{"property": "seats", "op": "gt", "value": 5}]
    assert prediction.population == {"all": [{"type": "attribute", "attribute": "plan", "op": "eq", "value": "pro"}]}


def test_a_population_that_is_not_a_condition_is_posted_back_as_typed_with_its_error(
    transactional_db, page, live_server_url, login
):
    login(page, make_user(role=roles.MARKETERS))
    page.goto(f"{live_server_url}/predictions/")
    # Without the builder (as a script-less browser would post it), bad JSON comes back to fix.
    page.get_by_label("Name").fill("broken")
    page.get_by_label("Event").fill("Order Completed")
    page.locator("textarea[name=population]").evaluate("(t) => { t.hidden = false; t.value = '{\"type\": '; }")
    page.get_by_role("button", name="Define").click()
    expect(page.locator(".errors")).to_contain_text("is not usable JSON")
    expect(page.locator("textarea[name=population]")).to_be_visible()
    expect(page.locator("textarea[name=population]")).to_have_value('{"type": ')
    assert not Prediction.objects.filter(name="broken").exists()
