import pytest

from tests.factories import make_source


@pytest.fixture
def source(db):
    return make_source()
