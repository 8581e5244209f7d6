import pytest

from journeys.ingest import auth
from journeys.ingest import services as ingest_services
from journeys.privacy import suppression


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Hashing at full strength costs most of a second per password; no test measures it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def static_files_found_per_request(settings):
    # pytest-django runs tests with DEBUG off, so WhiteNoise would index all of a collected
    # STATIC_ROOT (about 700 files after `make static`) each time a test client builds the
    # middleware: a tenth of a second for every test that makes a client. Looked up per request
    # instead; the tests of the production set-up turn it back off (tests/test_settings.py,
    # tests/browser/conftest.py).
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # The write keys, known event names and the suppression hashing key are cached for the
    # process; each test starts from its own database.
    auth.clear_cache()
    ingest_services._known_event_names.clear()
    suppression.clear_key_cache()
    yield
    auth.clear_cache()
    ingest_services._known_event_names.clear()
    suppression.clear_key_cache()


def pytest_collection_modifyitems(config, items):
    # Browser tests last: while Playwright's sync API is open it leaves an event loop running in
    # the main thread, and async_to_sync (the websocket consumer tests) refuses to run under it.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
