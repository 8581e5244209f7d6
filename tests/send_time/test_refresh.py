"""Learning profiles from opens, clicks and sessions, and the population row."""

from datetime import UTC, datetime, timedelta

import pytest

from journeys.engine.send_time import SendTimeReader
from journeys.models import SendTimePopulation, SendTimeProfile
from journeys.send_time.profile import HABIT_CLASSES, posterior
from journeys.send_time.services import send_time_refresh
from tests.factories import make_customer, make_event, make_source
from tests.send_time.helpers import make_opened_delivery

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_opens_clicks_and_sessions_are_counted_by_local_hour_of_week():
    source = make_source()
    ada = make_customer(external_id="ada", timezone="Europe/Paris")
    tuesday_1830_utc = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # Tue 19:30 in Paris
    make_opened_delivery(customer=ada, opened_at=tuesday_1830_utc, clicked_at=tuesday_1830_utc)
    make_event(
        customer=ada, source=source, name="Home", type="page", timestamp=tuesday_1830_utc, received_at=tuesday_1830_utc
    )
    make_event(
        customer=ada, source=source, name="Session Started", timestamp=tuesday_1830_utc, received_at=tuesday_1830_utc
    )
    make_event(
        customer=ada, source=source, name="Product Viewed", timestamp=tuesday_1830_utc, received_at=tuesday_1830_utc
    )  # not a session

    assert send_time_refresh(now=NOW) == 1

    profile = SendTimeProfile.objects.get(customer=ada)
    assert profile.total == 4
    assert profile.counts[24 + 19] == 4
    population = SendTimePopulation.objects.get()
    assert max(range(168), key=population.shares.__getitem__) == 24 + 19
    assert abs(sum(population.shares) - 1) < 1e-9
    assert len(population.habits["pairs"]) == HABIT_CLASSES

    view = SendTimeReader().for_customer(ada.id)()
    assert view.evidence == 4
    assert posterior(view).shares.argmax() % 24 == 19


def test_a_population_row_from_before_habits_reads_as_one_class():
    ada = make_customer(external_id="ada")
    make_opened_delivery(customer=ada, opened_at=datetime(2026, 12, 1, 18, 30, tzinfo=UTC))
    send_time_refresh(now=NOW)
    SendTimePopulation.objects.update(habits={})
    view = SendTimeReader().for_customer(ada.id)()
    assert view.habits.pairs.shape == (1, 1)
    assert posterior(view).shares.argmax() == max(range(168), key=SendTimePopulation.objects.get().shares.__getitem__)


def test_engagement_older_than_the_lookback_is_forgotten_and_old_profiles_are_replaced():
    ada = make_customer(external_id="ada")
    make_opened_delivery(customer=ada, opened_at=NOW - timedelta(days=200))
    SendTimeProfile.objects.create(customer=ada, counts=[1] * 168, total=168, updated_at=NOW)

    assert send_time_refresh(now=NOW) == 0
    assert not SendTimeProfile.objects.exists()


def test_an_unknown_timezone_is_read_in_the_default_zone(settings):
    settings.DEFAULT_CUSTOMER_TIMEZONE = "UTC"
    bob = make_customer(external_id="bob", timezone="Mars/Olympus")
    make_opened_delivery(customer=bob, opened_at=datetime(2026, 12, 2, 7, 0, tzinfo=UTC))  # Wednesday
    send_time_refresh(now=NOW)
    assert SendTimeProfile.objects.get(customer=bob).counts[2 * 24 + 7] == 1
