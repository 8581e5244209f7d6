"""The Decide part of the experiment report (walk #14): no arm chosen for the reviewer, the health
warnings beside the decision, and no settings to tune once the experiment is decided."""

import re

import pytest
from django.urls import reverse

from journeys.models import ExperimentDecision
from journeys.roles import REVIEWERS
from tests.factories import logged_in
from tests.reports.helpers import populated_journey

pytestmark = pytest.mark.django_db


def page_of(client, journey) -> str:
    return client.get(reverse("reports:experiment", args=[journey.pk, "s"])).content.decode()


def test_no_arm_is_preselected_and_an_empty_choice_decides_nothing():
    journey, _ = populated_journey(customers=4, buyers=1)
    client = logged_in(REVIEWERS)

    select = re.search(r'<select id="decide-variant"[^>]*>(.*?)</select>', page_of(client, journey), re.S)

    assert "required" in select.group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)", select.group(1)) == ["Choose an arm…"]
    response = client.post(
        reverse("reports:experiment-decide", args=[journey.pk, "s"]), {"kind": "winner", "variant": ""}, follow=True
    )
    assert "Choose the arm" in response.content.decode()
    assert not ExperimentDecision.objects.exists()


def test_too_little_data_is_repeated_where_the_winner_is_declared():
    journey, _ = populated_journey(customers=4, buyers=1)  # a handful of customers: far too few to conclude

    page = page_of(logged_in(REVIEWERS), journey)

    decide = page[page.index("<h2>Decide</h2>") :]
    warnings = decide[decide.index('id="decision-warnings"') : decide.index("</div>")]
    assert "too few conversions: too few to conclude" in warnings
    assert "every arm has enough" not in warnings  # only the checks that are not green


def test_the_settings_form_is_gone_once_the_experiment_is_decided():
    journey, _ = populated_journey(customers=4, buyers=1)
    client = logged_in(REVIEWERS)
    assert "Save settings" in page_of(client, journey)

    client.post(reverse("reports:experiment-decide", args=[journey.pk, "s"]), {"kind": "winner", "variant": "B"})

    page = page_of(client, journey)
    assert "winner declared" in page or "decided" in page
    assert "Save settings" not in page and 'name="bandit"' not in page
