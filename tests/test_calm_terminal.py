"""`make run`'s terminal: a banner that stays readable, one line per thing worth seeing, the rest in a file."""

import io
import logging
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.core.management import call_command

from cjo_site.log_config import OneLineFormatter, TerminalFilter, logging_config
from tests.factories import database_url, free_port
from tests.loop_helpers import eventually

ROOT = Path(__file__).resolve().parent.parent
MIME_LINES = ("MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:")


def record(name: str, level: int, message: str, **extra) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, message, None, None)
    made.__dict__.update(extra)
    return made


@pytest.mark.parametrize(
    ("name", "level", "extra", "shown"),
    [
        ("django-q", logging.INFO, {}, False),  # every task run
        ("daphne.server", logging.INFO, {}, False),
        ("django-q", logging.ERROR, {}, True),
        ("journeys.serve", logging.INFO, {}, True),
        ("journeys.outbox", logging.INFO, {"terminal": False}, False),  # a whole message
        ("journeys.outbox", logging.WARNING, {"terminal": False}, False),
    ],
)
def test_the_terminal_gets_warnings_and_the_products_own_lines(name, level, extra, shown):
    assert TerminalFilter().filter(record(name, level, "x", **extra)) is shown


def test_a_multi_line_message_is_one_terminal_line_that_points_at_the_file():
    formatter = OneLineFormatter(log_file="/var/log/journeys.log")
    line = formatter.format(record("journeys.engine", logging.WARNING, "first\nsecond\nthird"))
    assert "\n" not in line
    assert line.endswith("first  (more in /var/log/journeys.log)")


def test_without_a_file_the_traceback_stays_in_the_terminal():
    try:
        raise ValueError("boom")
    except ValueError:
        made = logging.LogRecord("journeys", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert "ValueError: boom" in OneLineFormatter(log_file="").format(made)
    assert "ValueError" not in OneLineFormatter(log_file="/tmp/x.log").format(made)


def test_the_file_handler_exists_only_when_a_log_file_is_set(tmp_path):
    assert set(logging_config(level="INFO")["handlers"]) == {"console"}
    config = logging_config(level="INFO", log_file=str(tmp_path / "j.log"))
    assert config["root"]["handlers"] == ["console", "file"]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_an_email_is_one_line_in_the_terminal_and_whole_in_the_log_file(tmp_path):
    log_file = tmp_path / "logs" / "journeys.log"
    send = (
        "from django.core.mail import send_mail; "
        "send_mail('Your basket', 'Body line one\\nBody line two', 'shop@example.com', ['ada@example.com'])"
    )
    result = run_python(send, LOG_FILE=str(log_file))
    assert result.returncode == 0, result.stderr
    terminal = result.stdout + result.stderr
    assert "email to ada@example.com: 'Your basket'" in terminal
    assert "Body line one" not in terminal
    assert not any(marker in terminal for marker in MIME_LINES)
    kept = log_file.read_text()
    assert "Body line one" in kept and "Subject: Your basket" in kept and "MIME-Version: 1.0" in kept


@pytest.mark.slow
def test_an_sms_text_never_reaches_the_terminal(tmp_path):
    log_file = tmp_path / "journeys.log"
    send = (
        "from journeys.delivery.providers import ConsoleSmsProvider, OutgoingMessage; "
        "ConsoleSmsProvider().send(OutgoingMessage(delivery_id=1, idempotency_key='k1', customer_id=1, "
        "to='+15550001', parts={'body': 'Your code is 123456'}))"
    )
    result = run_python(send, LOG_FILE=str(log_file))
    assert result.returncode == 0, result.stderr
    assert "+15550001: 19 characters" in result.stderr
    assert "123456" not in result.stdout + result.stderr
    assert "Your code is 123456" in log_file.read_text()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_serve_with_demo_traffic_keeps_the_terminal_calm_and_the_full_log_in_files(tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    port = free_port()
    log_file = tmp_path / "logs" / "journeys.log"
    terminal_file = tmp_path / "terminal.txt"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url(), "LOG_FILE": str(log_file)}
    env.update({"WEB_PROCESSES": "1", "Q_WORKERS": "2"})
    env.pop("PORT", None)
    with terminal_file.open("w") as terminal_out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--demo-traffic", "--engine-processes", "1"],
            cwd=ROOT,
            env=env,
            stdout=terminal_out,
            stderr=subprocess.STDOUT,
        )
        try:
            parent = psutil.Process(serve.pid)
            access_log = log_file.with_name("access.log")

            # Demo traffic reaches the server, and each request is a line in the access log, not the terminal.
            def batch_logged() -> bool:
                assert serve.poll() is None, terminal_file.read_text()
                return access_log.exists() and "POST /v1/batch" in access_log.read_text()

            assert eventually(batch_logged, within=90)
            assert eventually(lambda: "django-q" in log_file.read_text(), within=60), "the cluster logs to the file"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10) as response:
                assert response.status == 200
            children = parent.children(recursive=True)
        finally:
            serve.send_signal(signal.SIGINT)
            serve.wait(timeout=60)  # a guard against a hang; how fast it stops is bench/serve_stop.py's figure

    terminal = terminal_file.read_text()
    assert f"Journeys is running at http://127.0.0.1:{port}/" in terminal
    assert "marketer / marketer-demo" in terminal
    assert f"Full logs: {log_file}" in terminal
    assert "POST /v1/batch" not in terminal
    assert not any(marker in terminal for marker in MIME_LINES)
    assert "Processed 'journeys" not in terminal  # task-queue chatter stays in the file
    assert len(terminal.splitlines()) < 40, terminal
    assert serve.returncode == 0
    assert not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children)
