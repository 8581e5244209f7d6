import pytest
from django.test import Client

from journeys.engine.tick import tick
from journeys.models import Enrollment
from journeys.roles import MARKETERS
from tests.api.test_journeys_api import enroll, journey_url, post, token_for, welcome_graph
from tests.factories import make_journey

pytestmark = pytest.mark.django_db


def test_a_huge_number_in_an_enroll_context_does_not_wedge_the_engine():
    journey = make_journey(graph=welcome_graph())
    response = post(
        Client(),
        journey_url(journey, "enroll/"),
        {"customer_id": "anyone", "context": {"n": 10**22}},
        **token_for(MARKETERS),
    )
    assert response.status_code == 201
    tick()  # raises TypeError: Integer exceeds 64-bit range, and will on every retry


def test_enroll_context_is_size_limited():
    journey = make_journey(graph=welcome_graph())
    response = enroll(Client(), journey, "u1", context={"blob": "x" * 5_000_000}, **token_for(MARKETERS))
    assert response.status_code == 400, (response.status_code, Enrollment.objects.count())


def test_nan_in_enroll_context_is_a_400_not_a_500():
    journey = make_journey(graph=welcome_graph())
    client = Client(raise_request_exception=False)
    response = client.post(
        journey_url(journey, "enroll/"),
        '{"customer_id": "u1", "context": {"x": NaN}}',
        content_type="application/json",
        **token_for(MARKETERS),
    )
    assert response.status_code == 400, response.status_code
