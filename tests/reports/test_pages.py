"""Report pages: who may see and change what, what they show, and CSV exports that match the page."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from journeys.models import Experiment, ExperimentDecision
from journeys.roles import ADMINS, MARKETERS, REVIEWERS
from tests.factories import logged_in, make_source, make_user
from tests.reports.helpers import populated_journey


@pytest.fixture
def source(db):
    return make_source()


@pytest.fixture
def populated(db):
    return populated_journey()


def journey_url(journey):
    return reverse("reports:journey", args=[journey.pk])


def experiment_url(journey, name="reports:experiment"):
    return reverse(name, args=[journey.pk, "s"])


# --- access -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index", "journey", "experiment", "csv"])
def test_logged_out_visitors_are_sent_to_the_login_page(client, populated, page):
    journey, _ = populated
    url = {
        "index": reverse("reports:index"),
        "journey": journey_url(journey),
        "experiment": experiment_url(journey),
        "csv": experiment_url(journey) + "?format=csv&table=variants",
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logged_out_decisions_are_sent_to_the_login_page_and_change_nothing(client, populated):
    journey, _ = populated
    response = client.post(experiment_url(journey, "reports:experiment-decide"), {"kind": "winner", "variant": "B"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ExperimentDecision.objects.exists()


def test_users_without_a_role_are_refused(populated):
    journey, _ = populated
    client = logged_in(None)
    assert client.get(journey_url(journey)).status_code == 403
    assert client.get(experiment_url(journey)).status_code == 403


@pytest.mark.parametrize("role", [MARKETERS, REVIEWERS, ADMINS])
def test_marketers_reviewers_and_admins_read_both_reports(populated, role):
    journey, _ = populated
    client = logged_in(role)
    assert client.get(journey_url(journey)).status_code == 200
    assert client.get(experiment_url(journey)).status_code == 200
    assert client.get(reverse("reports:index")).status_code == 200


def test_marketers_cannot_declare_a_winner_or_change_settings(populated):
    journey, experiment = populated
    client = logged_in(MARKETERS)
    page = client.get(experiment_url(journey)).content.decode()
    assert "Declare winner" not in page
    for name, data in [
        ("reports:experiment-decide", {"kind": "winner", "variant": "B"}),
        ("reports:experiment-settings", {"mde_percent": "5", "bandit_interval_minutes": "60", "bandit": "on"}),
        ("reports:experiment-metric-add", {"kind": "secondary", "event": "Clicked", "window_days": "3"}),
    ]:
        assert client.post(experiment_url(journey, name), data).status_code == 403
    experiment.refresh_from_db()
    assert (experiment.status, experiment.bandit, experiment.metrics.count()) == ("running", False, 1)


@pytest.mark.parametrize("role", [REVIEWERS, ADMINS])
def test_reviewers_and_admins_declare_a_winner_recorded_with_who_when_and_the_figures(client, populated, role):
    journey, experiment = populated
    user = make_user(role=role)
    client.force_login(user)
    response = client.post(
        experiment_url(journey, "reports:experiment-decide"), {"kind": "winner", "variant": "B", "note": "B wins"}
    )
    assert response.status_code == 302
    decision = ExperimentDecision.objects.get()
    assert (decision.kind, decision.variant, decision.decided_by, decision.note) == ("winner", "B", user, "B wins")
    assert sum(v["exposed"] for v in decision.figures["primary"]["variants"]) == 40
    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner) == (Experiment.Status.DECIDED, "B")
    page = client.get(experiment_url(journey)).content.decode()
    assert "winner declared" in page
    assert user.username in page


def test_decisions_need_the_csrf_token(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS, enforce_csrf_checks=True)
    response = client.post(experiment_url(journey, "reports:experiment-decide"), {"kind": "winner", "variant": "B"})
    assert response.status_code == 403
    assert not ExperimentDecision.objects.exists()


def test_decisions_are_post_only(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    assert client.get(experiment_url(journey, "reports:experiment-decide")).status_code == 405


def test_an_unknown_split_node_is_not_found(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    assert client.get(reverse("reports:experiment", args=[journey.pk, "t"])).status_code == 404


# --- content ------------------------------------------------------------------------------------------------------


def test_the_experiment_page_names_every_method_and_shows_the_health_banners(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    page = client.get(experiment_url(journey)).content.decode()
    for method in [
        "Wilson score interval",
        "Newcombe hybrid score interval (method 10)",
        "Two-proportion z-test, pooled, two-sided",
        "Exact P(variant &gt; control), Beta(1,1) priors",
        "Chi-square goodness of fit against configured weights",
    ]:
        assert method in page
    assert 'data-check="sample_ratio_mismatch"' in page
    assert 'data-check="too_few_conversions"' in page
    assert 'data-check="sample_size"' in page
    assert "Guardrail metric: Unsubscribed" in page
    assert 'id="report-charts"' in page


def test_the_experiment_page_dates_the_test_by_its_customers_not_by_its_record(populated):
    # The record is made when the report is first opened, often long after customers arrived.
    journey, _ = populated
    page = logged_in(REVIEWERS).get(experiment_url(journey)).content.decode()
    first = page.split("First customer ", 1)[1].split(" · ", 1)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", first)
    assert "record created" not in page


def test_publishing_starts_the_experiment_and_reading_its_report_changes_nothing(db):
    from journeys.models import AuditEntry
    from tests.experiments.helpers import experiment_journey

    journey = experiment_journey()
    experiment = Experiment.objects.get(journey=journey, node_id="s")  # made by the publish
    client = logged_in(REVIEWERS)
    entries = AuditEntry.objects.count()
    for _ in range(2):
        assert client.get(experiment_url(journey)).status_code == 200
    assert AuditEntry.objects.count() == entries  # a read is not recorded as creating anything
    assert Experiment.objects.get(journey=journey, node_id="s").pk == experiment.pk


def test_an_event_name_is_escaped_on_the_page(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    client.post(
        experiment_url(journey, "reports:experiment-metric-add"),
        {"kind": "secondary", "event": "<script>alert(1)</script>", "window_days": "3"},
    )
    page = client.get(experiment_url(journey)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_journey_page_shows_funnel_exits_and_time_per_node(populated):
    journey, _ = populated
    client = logged_in(MARKETERS)
    page = client.get(journey_url(journey)).content.decode()
    funnel = table_rows(page, "funnel")
    assert funnel[0][:3] == ["Entered the journey", "n/a", "40"]
    assert ["Reached the goal", "n/a", "12", "30.0%"] in funnel
    exits = table_rows(page, "exits")
    assert exits == [["end of path", "40", "100.0%"]]
    time = table_rows(page, "time")
    assert {row[0] for row in time} <= {"wait-A", "wait-B", "Wait"}
    assert sum(int(row[1]) for row in time) == 40


def test_a_bad_date_range_is_reported_not_a_crash(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    response = client.get(journey_url(journey) + "?from=yesterday&to=2020-01-01")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_a_date_range_before_anything_happened_shows_nothing(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    page = client.get(experiment_url(journey) + "?from=2020-01-01&to=2020-01-31").content.decode()
    assert all(row[2] == "0" for row in table_rows(page, "variants"))


# --- CSV ----------------------------------------------------------------------------------------------------------


def table_rows(page: str, name: str) -> list[list[str]]:
    match = re.search(rf'<table data-table="{re.escape(name)}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, f"no table {name}"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and not (len(cells) == 1 and cells[0] == "Nothing in this range."):
            rows.append(cells)
    return rows


def table_columns(page: str, name: str) -> list[str]:
    match = re.search(rf'<table data-table="{re.escape(name)}">.*?<thead>(.*?)</thead>', page, re.S)
    assert match, f"no table {name}"
    return [unescape(c) for c in re.findall(r'<th scope="col">(.*?)</th>', match.group(1))]


def csv_rows(response) -> tuple[list[str], list[list[str]]]:
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return rows[0], rows[1:]


@pytest.mark.parametrize("table", ["variants", "checks", "series", "metric"])
def test_experiment_csv_matches_the_page(populated, table):
    journey, experiment = populated
    client = logged_in(REVIEWERS)
    if table == "metric":
        table = f"metric-{experiment.metrics.get().id}"
    page = client.get(experiment_url(journey) + "?from=2000-01-01").content.decode()
    response = client.get(experiment_url(journey) + f"?from=2000-01-01&format=csv&table={table}")
    header, rows = csv_rows(response)
    assert header == table_columns(page, table)
    assert rows == table_rows(page, table)
    assert rows, "the table must not be empty for this comparison to mean anything"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("table", ["funnel", "conversion", "time", "exits", "flows"])
def test_journey_csv_matches_the_page(populated, table):
    journey, _ = populated
    client = logged_in(MARKETERS)
    page = client.get(journey_url(journey)).content.decode()
    header, rows = csv_rows(client.get(journey_url(journey) + f"?format=csv&table={table}"))
    assert header == table_columns(page, table)
    assert rows == table_rows(page, table)
    assert rows


def test_csv_of_an_unknown_table_is_not_found(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    assert client.get(journey_url(journey) + "?format=csv&table=nope").status_code == 404


def test_the_experiment_csv_shows_the_published_reference_figures(source):
    """The issue's reference case, through exposures and conversions in the tables the page reads."""
    from django.utils import timezone

    from journeys.models import ExperimentConversion, ExperimentExposure
    from tests.experiments.helpers import experiment_journey

    journey = experiment_journey()
    now = timezone.now()
    customer = 0
    for variant, exposed, converted in (("A", 1000, 100), ("B", 1000, 120)):
        for i in range(exposed):
            customer += 1
            exposure = ExperimentExposure.objects.create(
                journey=journey, node_id="s", customer_id=customer, variant=variant, assigned_at=now
            )
            if i < converted:
                ExperimentConversion.objects.create(
                    exposure=exposure,
                    journey=journey,
                    node_id="s",
                    variant=variant,
                    metric="goal",
                    assigned_at=now,
                    at=now,
                )
    client = logged_in(REVIEWERS)
    header, rows = csv_rows(client.get(experiment_url(journey) + "?format=csv&table=variants"))
    b = dict(zip(header, rows[1], strict=True))
    assert b["Rate"] == "12.00%"
    assert b["Difference"] == "+2.00 pp"
    assert b["Difference 95% CI"] == "[-0.75 pp, +4.76 pp]"
    assert b["p-value"] == "0.1529"
    assert b["Chance to beat control"] == "0.9232"


def test_the_page_keeps_the_figures_each_decision_was_taken_on(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    before = table_rows(client.get(experiment_url(journey)).content.decode(), "variants")
    client.post(experiment_url(journey, "reports:experiment-decide"), {"kind": "stop", "variant": "A"})
    page = client.get(experiment_url(journey)).content.decode()
    assert table_rows(page, "decision-1") == before
    assert "stopped, to A" in page
    _, rows = csv_rows(client.get(experiment_url(journey) + "?format=csv&table=decision-1"))
    assert rows == before


def test_a_reviewer_switches_the_bandit_on_and_bad_settings_are_refused_with_a_message(populated):
    journey, experiment = populated
    client = logged_in(REVIEWERS)
    url = experiment_url(journey, "reports:experiment-settings")
    client.post(url, {"mde_percent": "5", "bandit": "on", "bandit_interval_minutes": "30"})
    experiment.refresh_from_db()
    assert (experiment.bandit, experiment.bandit_interval_minutes) == (True, 30)
    assert experiment.minimum_detectable_effect == pytest.approx(0.05)

    response = client.post(url, {"mde_percent": "5", "bandit_interval_minutes": "1"}, follow=True)
    assert "the bandit interval must be" in response.content.decode()
    experiment.refresh_from_db()
    assert experiment.bandit is True  # unchanged


def test_a_reviewer_adds_and_removes_a_secondary_metric(populated):
    journey, experiment = populated
    client = logged_in(REVIEWERS)
    client.post(
        experiment_url(journey, "reports:experiment-metric-add"),
        {"kind": "secondary", "event": "Clicked", "window_days": "3"},
    )
    metric = experiment.metrics.get(event="Clicked")
    page = client.get(experiment_url(journey)).content.decode()
    assert "Secondary metric: Clicked within 3 days" in page
    remove = reverse("reports:experiment-metric-remove", args=[journey.pk, "s", metric.pk])
    client.post(remove)
    assert not experiment.metrics.filter(event="Clicked").exists()


def test_a_range_ending_on_the_last_day_of_the_calendar_is_read_to_the_end(populated):
    journey, _ = populated
    client = logged_in(REVIEWERS)
    assert client.get(journey_url(journey) + "?to=9999-12-31").status_code == 200


def test_csv_keeps_a_formula_hidden_behind_a_tab_or_return_as_text():
    from journeys.reports.tables import Table, table_csv

    table = Table(name="t", title="T", columns=["label"], rows=[["\t=HYPERLINK(1)"], ["\r=1+1"], ["-12"]])

    cells = [row[0] for row in csv.reader(io.StringIO(table_csv(table)))][1:]
    assert cells == ["'\t=HYPERLINK(1)", "'\r=1+1", "-12"]  # numbers stay numbers


def test_a_nul_character_in_a_metric_event_or_a_note_is_refused(populated):
    from journeys.experiments import services as experiment_services

    journey, _ = populated
    experiment = Experiment.objects.get(journey=journey, node_id="s")
    with pytest.raises(experiment_services.ExperimentError, match="NUL"):
        experiment_services.experiment_metric_add(
            experiment=experiment, kind="secondary", event="Bo\x00ught", window_days=7
        )
    with pytest.raises(experiment_services.ExperimentError, match="NUL"):
        experiment_services.experiment_decide(
            experiment=experiment, kind="winner", variant="A", user=make_user(role=REVIEWERS), note="x\x00"
        )
