import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cjo_site.env import env_bool, env_choice, env_int, env_list, env_str, env_url

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
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG must be a boolean.*'maybe'"):
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
    with pytest.raises(ImproperlyConfigured, match=r"^Q_WORKERS must be a whole number, got 'abc'"):
        env_int("Q_WORKERS", 2)


def test_env_int_rejects_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("Q_WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match=r"^Q_WORKERS must be at least 1, got 0"):
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


def test_env_choice_rejects_a_value_not_listed_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match=r"^LOG_LEVEL must be one of DEBUG, INFO, got 'LOUD'"):
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
def test_check_deploy_is_clean_with_the_production_variables():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
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
