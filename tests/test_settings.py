import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from cjo_site.env import env_bool, env_choice, env_int, env_list, env_str, env_url
from journeys.roles import ADMINS
from tests.factories import make_graph, make_journey, make_user, node

REPO_ROOT = Path(__file__).resolve().parent.parent
# Settings only parse the URL; nothing connects to it.
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "k7Qp2vX9wL4mZ8rT1yB6nC3hJ5dF0gS2aE7uI9oP4lK1xV8cN6bM3qW5eR0t"  # 60 characters
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "example.com",
    "SECURE_HSTS_PRELOAD": "1",
    "DATABASE_URL": DATABASE_URL,
    "IN_APP_IDENTITY_SECRET": "in-app-identity-secret-for-the-tests",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def run_python(args: list[str], **variables: str | None) -> subprocess.CompletedProcess:
    """Run the project's Python with the production variables, changed by `variables` (None unsets one).

    The environment starts from nothing but PATH, HOME, LANG and TMPDIR, so variables of the shell running the tests
    (DEBUG=1 in particular) cannot make a case pass.
    """
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(PRODUCTION)
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def import_settings(**variables: str | None) -> subprocess.CompletedProcess:
    return run_python(["-c", "import cjo_site.settings"], **variables)


def last_line(text: str) -> str:
    # The traceback quotes the source lines that read each variable; only the error itself counts.
    return text.strip().splitlines()[-1] if text.strip() else ""


# --- the helpers


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for text, expected in [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("FEATURE", text)
        assert env_bool("FEATURE", not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FEATURE", raising=False)
    assert env_bool("FEATURE", True) is True
    assert env_bool("FEATURE", False) is False


def test_env_bool_rejects_a_word_it_does_not_know_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG must be a boolean.*'maybe': set e\.g\. DEBUG=0$"):
        env_bool("DEBUG", False)


def test_env_int_reads_a_number_and_falls_back_when_unset_or_empty(monkeypatch):
    monkeypatch.setenv("Q_WORKERS", " 4 ")
    assert env_int("Q_WORKERS", 2) == 4
    monkeypatch.setenv("Q_WORKERS", "")
    assert env_int("Q_WORKERS", 2) == 2
    monkeypatch.delenv("Q_WORKERS")
    assert env_int("Q_WORKERS", 2) == 2


def test_env_int_rejects_text_naming_the_variable(monkeypatch):
    monkeypatch.setenv("Q_WORKERS", "abc")
    with pytest.raises(
        ImproperlyConfigured, match=r"^Q_WORKERS must be a whole number, got 'abc': set e\.g\. Q_WORKERS=2$"
    ):
        env_int("Q_WORKERS", 2)


def test_env_int_rejects_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("Q_WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match=r"^Q_WORKERS must be at least 1, got 0: set e\.g\. Q_WORKERS=2$"):
        env_int("Q_WORKERS", 2, minimum=1)


def test_env_url_accepts_a_listed_scheme_and_empty(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    assert env_url("DATABASE_URL", schemes=("postgres",)) == DATABASE_URL
    monkeypatch.delenv("DATABASE_URL")
    assert env_url("DATABASE_URL", schemes=("postgres",)) == ""


@pytest.mark.parametrize("value", ["mysql://root@db/cjo", "postgres-on-localhost", "http://redis:6379"])
def test_env_url_rejects_another_scheme_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SOME_URL", value)
    with pytest.raises(ImproperlyConfigured, match=r"^SOME_URL must be a URL starting with one of postgres://"):
        env_url("SOME_URL", schemes=("postgres", "postgresql"))


def test_env_url_shows_an_example_and_never_the_value_which_may_hold_a_password(monkeypatch):
    monkeypatch.setenv("SOME_URL", "mysql://root:hunter2@db/cjo")
    with pytest.raises(ImproperlyConfigured) as raised:
        env_url("SOME_URL", schemes=("postgres",), example="postgres://user:password@host/name")
    assert str(raised.value).endswith(": set e.g. SOME_URL=postgres://user:password@host/name")
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ImproperlyConfigured, match=r": set e\.g\. SOME_URL=postgres://host$"):
        env_url("SOME_URL", schemes=("postgres",))


def test_env_choice_rejects_a_value_not_listed_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(
        ImproperlyConfigured, match=r"^LOG_LEVEL must be one of DEBUG, INFO, got 'LOUD': set e\.g\. LOG_LEVEL=INFO$"
    ):
        env_choice("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO"))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert env_choice("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO")) == "DEBUG"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " example.com, ,www.example.com ,")
    assert env_list("ALLOWED_HOSTS", ["localhost"]) == ["example.com", "www.example.com"]
    monkeypatch.delenv("ALLOWED_HOSTS")
    assert env_list("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_env_str_strips_the_value(monkeypatch):
    monkeypatch.setenv("NAME", "  value  ")
    assert env_str("NAME") == "value"


# --- the settings module, imported in a fresh process


@pytest.mark.slow
def test_the_settings_import_with_the_production_variables():
    result = import_settings()
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"Q_WORKERS": "abc"}, "Q_WORKERS must be a whole number"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1:3306/cjo"}, "DATABASE_URL must be a URL starting with one of"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL must be a URL starting with one of"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be at least 50 characters long"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ],
    ids=[
        "debug",
        "q_workers",
        "database_url",
        "redis_url",
        "secret_key_missing",
        "secret_key_empty",
        "secret_key_short",
        "log_level",
    ],
)
def test_the_settings_refuse_to_start_with_a_bad_value_naming_the_variable(variables, message):
    result = import_settings(**variables)
    assert result.returncode != 0
    assert last_line(result.stderr).startswith(f"django.core.exceptions.ImproperlyConfigured: {message}"), result.stderr


@pytest.mark.slow
def test_a_short_secret_key_is_accepted_in_debug_mode():
    result = import_settings(DEBUG="1", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_production_variables(collected_in_debug_mode):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], STATIC_ROOT=str(collected_in_debug_mode)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.slow
def test_check_deploy_warns_when_the_production_hardening_is_turned_off():
    # The clean run above only means something if check --deploy notices what these variables do.
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECURE_HSTS_PRELOAD=None)
    assert result.returncode != 0
    assert "security.W021" in result.stderr


@pytest.mark.slow
def test_check_deploy_warns_when_in_app_messages_trust_the_write_key_alone():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], IN_APP_IDENTITY_SECRET=None)
    assert result.returncode != 0
    assert "journeys.W102" in result.stderr


@pytest.mark.slow
def test_check_deploy_warns_when_email_only_goes_to_the_log():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], EMAIL_BACKEND=None)
    assert result.returncode != 0
    assert "journeys.W103" in result.stderr


# --- manage.py names the variable on one line instead of a traceback


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variables", "name"),
    [
        ({"DEBUG": None, "SECRET_KEY": None}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"PORT": "eighty"}, "PORT"),
        ({"DATABASE_URL": "mysql://root:hunter2@127.0.0.1:3306/cjo"}, "DATABASE_URL"),
        ({"DEFAULT_CUSTOMER_TIMEZONE": "Mars/Olympus"}, "DEFAULT_CUSTOMER_TIMEZONE"),
    ],
    ids=["secret_key_and_debug_unset", "debug", "port", "database_url", "timezone"],
)
def test_manage_py_names_a_bad_variable_and_how_to_set_it_on_one_line(variables, name):
    result = run_python(["manage.py", "check"], **variables)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"manage.py: {name} must "), lines[0]
    assert f"set e.g. {name}=" in lines[0]
    assert "hunter2" not in lines[0]  # a URL's password stays out of logs


@pytest.mark.slow
def test_manage_py_without_a_secret_key_suggests_one_or_debug_mode():
    result = run_python(["manage.py", "check"], DEBUG=None, SECRET_KEY=None)
    assert "secrets.token_urlsafe(50)" in result.stderr
    assert "DEBUG=1" in result.stderr


# --- the public URL of links in messages


def print_setting(expression: str, **variables: str | None) -> str:
    result = run_python(
        ["-c", f"import django; django.setup(); {expression}"], DJANGO_SETTINGS_MODULE="cjo_site.settings", **variables
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


UNSUBSCRIBE_LINK = "from journeys.delivery.tokens import unsubscribe_url; print(unsubscribe_url(7))"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        (None, None, "http://127.0.0.1:8000"),
        ("127.0.0.1", "8765", "http://127.0.0.1:8765"),
        ("0.0.0.0", "9000", "http://127.0.0.1:9000"),
        ("::", "9000", "http://[::1]:9000"),
        ("::1", None, "http://[::1]:8000"),
        ("journeys.internal", None, "http://journeys.internal:8000"),
    ],
)
def test_the_listening_url_follows_host_and_port(monkeypatch, host, port, url):
    from cjo_site.settings import _listening_url

    for name, value in (("HOST", host), ("PORT", port)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert _listening_url() == url


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variables", "link"),
    [
        ({"HOST": "0.0.0.0", "PORT": "8765"}, "http://127.0.0.1:8765/u/7:"),
        (
            {"HOST": "0.0.0.0", "PORT": "8765", "PUBLIC_URL": "https://journeys.example.com/"},
            "https://journeys.example.com/u/7:",
        ),
    ],
    ids=["where-it-listens", "public-url"],
)
def test_links_in_messages_point_where_the_server_listens_unless_public_url_says(variables, link):
    assert print_setting(UNSUBSCRIBE_LINK, **variables).startswith(link)


@pytest.mark.slow
def test_links_signed_with_a_former_secret_key_still_work_while_it_is_a_fallback():
    old_key = SECRET_KEY[::-1]
    token = print_setting(
        "from journeys.delivery.tokens import unsubscribe_token; print(unsubscribe_token(7))", SECRET_KEY=old_key
    )
    resolve = f"from journeys.delivery.tokens import delivery_from_unsubscribe_token as f; print(f({token!r}))"
    assert print_setting(resolve, SECRET_KEY_FALLBACKS=f"unused-{SECRET_KEY},{old_key}") == "7"
    assert print_setting(resolve) == "None"


# --- static files


@pytest.mark.slow
def test_static_root_is_read_from_the_environment_relative_to_the_checkout(tmp_path):
    show = "from django.conf import settings; print(settings.STATIC_ROOT)"
    assert print_setting(show, STATIC_ROOT=str(tmp_path)) == str(tmp_path)
    assert print_setting(show, STATIC_ROOT="build/static") == str(REPO_ROOT / "build" / "static")
    assert print_setting(show, STATIC_ROOT=None) == str(REPO_ROOT / "staticfiles")


@pytest.fixture(scope="module")
def collected_in_debug_mode(tmp_path_factory) -> Path:
    """STATIC_ROOT after `manage.py collectstatic` with DEBUG on, as `make setup` runs it for `make run`."""
    root = tmp_path_factory.mktemp("static")
    result = run_python(
        ["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], DEBUG="1", STATIC_ROOT=str(root)
    )
    assert result.returncode == 0, result.stderr
    return root


STATIC_LINK = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")


@pytest.mark.slow
def test_pages_answer_with_debug_off_after_a_collection_made_with_debug_on(db, collected_in_debug_mode):
    journey = make_journey(
        graph=make_graph([node("start", "api_trigger"), node("done", "exit")], [("start", "next", "done")])
    )
    admin = make_user(role=ADMINS, is_staff=True, is_superuser=True)
    production = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        DEBUG=False,
        WHITENOISE_AUTOREFRESH=False,  # as in production: the files are indexed when the middleware starts
        STATIC_ROOT=collected_in_debug_mode,
        STORAGES={**settings.STORAGES, "staticfiles": production},
    ):
        client = Client()  # a new one: WhiteNoise looks at STATIC_ROOT when the middleware starts
        client.force_login(admin)
        linked = {}
        for page in (f"/journeys/{journey.pk}/", f"/reports/journeys/{journey.pk}/", "/admin/"):
            response = client.get(page)
            assert response.status_code == 200, page
            linked[page] = STATIC_LINK.findall(response.content.decode())
        assert any(path.endswith(".css") for path in linked[f"/journeys/{journey.pk}/"]), linked
        assert any(path.endswith(".js") for path in linked[f"/reports/journeys/{journey.pk}/"]), linked
        assert any(path.startswith("/static/admin/css/base.") for path in linked["/admin/"]), linked
        for path in {path for paths in linked.values() for path in paths}:
            if path == "/static/favicon.svg":
                # By its plain name on purpose (templates/base.html): a collection older than the
                # icon must not turn every page into a 500; the icon is collected all the same.
                assert client.get(path).status_code == 200
                continue
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), path  # the manifest's name, cached for good
            response = client.get(path)
            assert response.status_code == 200, path
            assert "immutable" in response.headers["Cache-Control"], path


MANIFEST_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def static_check_ids(static_root: Path, *, debug: bool = False) -> list[str]:
    from django.core import checks

    with override_settings(
        DEBUG=debug, STATIC_ROOT=static_root, STORAGES={**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    ):
        return [message.id for message in checks.run_checks() if message.id.startswith("canvas.")]


@pytest.mark.slow
def test_the_start_up_check_warns_when_static_files_were_never_collected(tmp_path, collected_in_debug_mode):
    assert static_check_ids(tmp_path) == ["canvas.W001"]
    assert static_check_ids(tmp_path, debug=True) == []  # DEBUG on never reads the manifest
    assert static_check_ids(collected_in_debug_mode) == []


@pytest.mark.slow
def test_the_start_up_check_warns_when_the_canvas_was_rebuilt_after_the_collection(tmp_path, collected_in_debug_mode):
    manifest = json.loads((collected_in_debug_mode / "staticfiles.json").read_text())
    vite = json.loads((settings.FRONTEND_DIST / ".vite" / "manifest.json").read_text())
    del manifest["paths"][vite["src/main.tsx"]["css"][0]]  # as if a new build had renamed it
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    assert static_check_ids(tmp_path) == ["canvas.W002"]


def test_log_files_are_made_and_kept_unreadable_to_other_users(tmp_path):
    from cjo_site.log_config import private_file

    fresh = tmp_path / "logs" / "journeys.log"
    old = tmp_path / "access.log"
    old.write_text("an earlier line\n")
    old.chmod(0o644)
    previous = os.umask(0o022)  # the usual umask, which leaves new files readable by everyone
    try:
        private_file(fresh)
        private_file(old)
    finally:
        os.umask(previous)

    assert fresh.stat().st_mode & 0o777 == 0o640
    assert old.stat().st_mode & 0o777 == 0o640
    assert old.read_text() == "an earlier line\n"  # kept, not truncated
