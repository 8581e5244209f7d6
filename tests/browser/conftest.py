"""Browser tests: a real Daphne server (HTTP and websockets) on the test database, driven by
Playwright through the Debian `chromium` package (Playwright's own browser download is not
available here, so it is launched through `executable_path`).

Fixtures:
- `live_server_url`: base URL of a Daphne process serving the whole ASGI app on the test database.
  Parametrised indirectly with a `ServerMode` (`DEVELOPMENT`, `PRODUCTION`), it serves the app
  as `manage.py web` does with DEBUG on or off, static files included (see `ServerMode`).
- `collected_static`: a STATIC_ROOT filled by `manage.py collectstatic`, once per session.
- `engine_worker`: a separate process running the journey engine loop, as a django-q2 worker would.
- `browser`: one Chromium per test session; `page`: a fresh context and page per test.
- `login(page, user)`: signs a user in through the real login form.
- `artifact_path(name)`: where to save screenshots (`tests/artifacts/`, or `$TEST_ARTIFACTS_DIR`).
"""

import importlib
import multiprocessing
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
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
REPO_ROOT = Path(__file__).resolve().parents[2]


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


@dataclass(frozen=True)
class ServerMode:
    """How the live server runs the app when a test asks for it by name.

    The default server (no mode) serves static files through Django's finders, whatever the
    settings say. A mode instead runs the app exactly as `manage.py web` builds it (cjo_site.asgi,
    WhiteNoise in the middleware) with DEBUG on or off; off, pages name the hashed files listed in
    the manifest of a collected STATIC_ROOT and WhiteNoise serves them from there.
    """

    name: str
    debug: bool

    def __str__(self) -> str:  # the test id
        return self.name


DEVELOPMENT = ServerMode("debug-on", debug=True)
PRODUCTION = ServerMode("debug-off", debug=False)
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """A STATIC_ROOT as `make setup` leaves it: `manage.py collectstatic` run with this shell's DEBUG."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env={**os.environ, "STATIC_ROOT": str(root)},
        check=True,
        timeout=300,
    )
    return root


def _application_in_mode(mode: ServerMode, static_root: Path):
    """In the server's child process: the project's ASGI app, built under the mode's settings."""
    from django.conf import settings
    from django.test import override_settings

    storage = "django.contrib.staticfiles.storage.StaticFilesStorage" if mode.debug else MANIFEST_STORAGE
    # Never disabled: the process ends with the server. Its signals reset the static storage.
    override_settings(
        DEBUG=mode.debug,
        WHITENOISE_AUTOREFRESH=mode.debug,  # WhiteNoise's own default, read from the mode, not the test run
        STATIC_ROOT=static_root,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": storage}},
    ).enable()
    import cjo_site.asgi

    # Rebuilt rather than reused: the middleware (WhiteNoise among it) reads the settings when
    # the app is built, and the module may have been imported in the parent already.
    return importlib.reload(cjo_site.asgi).application


@pytest.fixture
def live_server_url(request, transactional_db):
    """A Daphne process on the test database, like `ChannelsLiveServerTestCase`, as a fixture."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    mode = getattr(request, "param", None)
    if mode is None:
        get_application = partial(make_application, static_wrapper=ASGIStaticFilesHandler)
    else:
        get_application = partial(_application_in_mode, mode, request.getfixturevalue("collected_static"))
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
