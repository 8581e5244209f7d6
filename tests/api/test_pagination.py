from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from journeys.api.pagination import LimitOffsetWithCeiling


def limit_for(query: str) -> int:
    return LimitOffsetWithCeiling().get_limit(Request(APIRequestFactory().get(f"/api/templates/?{query}")))


def test_a_page_is_never_larger_than_the_ceiling():
    assert limit_for("limit=100000000") == LimitOffsetWithCeiling.max_limit == 500


def test_smaller_pages_and_the_default_are_kept():
    assert limit_for("limit=20") == 20
    assert limit_for("") == 50
