import pytest

from journeys.ingest import auth
from journeys.ingest import services as ingest_services


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Hashing at full strength costs most of a second per password; no test measures it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_write_key_cache():
    # The write-key cache lives for the process; each test starts from the database.
    auth.clear_cache()
    ingest_services._known_event_names.clear()
    yield
    auth.clear_cache()
    ingest_services._known_event_names.clear()


def pytest_collection_modifyitems(config, items):
    # Browser tests last: while Playwright's sync API is open it leaves an event loop running in
    # the main thread, and async_to_sync (the websocket consumer tests) refuses to run under it.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
