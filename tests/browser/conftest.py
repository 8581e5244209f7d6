"""Browser tests: a real Daphne server (HTTP and websockets) on the test database, driven by
Playwright through the Debian `chromium` package (Playwright's own browser download is not
available here, so it is launched through `executable_path`).

Fixtures:
- `live_server_url`: base URL of a Daphne process serving the whole ASGI app on the test database.
- `engine_worker`: a separate process running the journey engine loop, as a django-q2 worker would.
- `browser`: one Chromium per test session; `page`: a fresh context and page per test.
- `login(page, user)`: signs a user in through the real login form.
- `artifact_path(name)`: where to save screenshots (`tests/artifacts/`, or `$TEST_ARTIFACTS_DIR`).
"""

import multiprocessing
import os
import shutil
from functools import partial
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in the test thread; Django's guard against ORM
# calls from async code would then refuse the factories' queries, which are plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[1] / "artifacts"))
HOST = "127.0.0.1"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        raise RuntimeError("Chromium is missing: `make test` installs it with `apt-get install -y chromium`.")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


# Pools inherited through fork, kept referenced so they are never closed from the child.
_inherited_pools: list = []


def _child_database_setup():
    """In a forked child: use the test database on connections of its own.

    The parent switched the settings to the test database before forking, so the child keeps
    them as they are (channels' `set_database_connection` would prefix the name a second time
    when no TEST NAME is configured).

    A fork copies the parent's connection pool, sockets included. Using or even closing it in
    the child would talk over the parent's sockets (garbled protocol on both sides), so the
    copy is set aside untouched and the child opens a fresh pool on first use.
    """
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    _inherited_pools.extend(DatabaseWrapper._connection_pools.values())
    DatabaseWrapper._connection_pools.clear()
    for connection in connections.all():
        connection.connection = None


@pytest.fixture
def live_server_url(transactional_db):
    """A Daphne process on the test database, like `ChannelsLiveServerTestCase`, as a fixture."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    get_application = partial(make_application, static_wrapper=ASGIStaticFilesHandler)
    server = DaphneProcess(HOST, get_application, setup=_child_database_setup)
    server.start()
    while not server.ready.wait(timeout=1):
        if not server.is_alive():
            raise RuntimeError("The Daphne test server stopped while starting")
    yield f"http://{HOST}:{server.port.value}"
    server.terminate()
    server.join(timeout=10)


def _engine_process(stop):
    _child_database_setup()
    from journeys.engine.loop import run_engine

    while not stop.is_set():
        run_engine(seconds=1)


@pytest.fixture
def engine_worker(transactional_db):
    """The engine loop in its own process, reacting to ingested events as a worker does."""
    stop = multiprocessing.Event()
    process = multiprocessing.get_context("fork").Process(target=_engine_process, args=(stop,), daemon=True)
    process.start()
    yield process
    stop.set()
    process.join(timeout=10)
    if process.is_alive():
        process.terminate()
        process.join()


@pytest.fixture
def login(live_server_url):
    def sign_in(page, user, password: str = "pw"):
        page.goto(f"{live_server_url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return sign_in


@pytest.fixture
def artifact_path():
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return lambda name: ARTIFACTS_DIR / name
