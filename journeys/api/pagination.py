"""API paging: offset and limit, with a ceiling so one request cannot ask for everything."""

from rest_framework.pagination import LimitOffsetPagination


class LimitOffsetWithCeiling(LimitOffsetPagination):
    max_limit = 500
