import pytest

from journeys.ingest import auth


@pytest.fixture(autouse=True)
def _fresh_write_key_cache():
    # The write-key cache lives for the process; each test starts from the database.
    auth.clear_cache()
    yield
    auth.clear_cache()
