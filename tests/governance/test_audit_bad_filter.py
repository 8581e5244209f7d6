"""The audit page with a filter it cannot read: the error, an empty table, no exports (walk #8)."""

import pytest

from journeys import roles
from journeys.governance import audit
from tests.governance.helpers import person

pytestmark = pytest.mark.django_db


def test_a_bad_filter_shows_no_rows_keeps_the_other_values_and_offers_no_export():
    admin = person(roles.ADMINS, username="auditor")[1]
    audit.record("journey.publish", object_type="journeys.journey", object_id="11", object_repr="unfiltered-row")

    response = admin.get("/audit/", {"since": "yesterday", "actor": "reviewer"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "since: an ISO-8601 date or date-time" in page
    assert "unfiltered-row" not in page  # the whole log was listed under the error
    assert 'name="actor" value="reviewer"' in page and 'name="since" value="yesterday"' in page
    assert "export.csv" not in page and "export.json" not in page


def test_valid_filters_still_offer_exports():
    admin = person(roles.ADMINS, username="auditor")[1]
    audit.record("journey.publish", object_type="journeys.journey", object_id="11", object_repr="kept-row")

    page = admin.get("/audit/", {"action": "journey."}).content.decode()

    assert "kept-row" in page and "export.csv?action=journey." in page
