"""Logging for every process of the product: a calm terminal and, optionally, a full log file.

The terminal is where someone who ran `make run` reads the URL and the logins, so it gets only
lines a person wants to see as they happen: warnings and errors from anywhere, and INFO lines
from the product itself, one line each. The log file (LOG_FILE, which `make run` points into the
data folder) gets everything at the configured level, including what is too long or too frequent
for a terminal: whole messages written by the log outbox, task-queue chatter, tracebacks.

A record can ask to stay out of the terminal with `extra={"terminal": False}`; the outbox uses it
for message bodies.
"""

import logging
import os
from pathlib import Path

# Libraries that announce routine work at INFO (every task run, every server start step): in
# the file, but only their warnings reach the terminal.
CHATTY_LOGGERS = ("django-q", "daphne", "django.channels.server", "asyncio", "axes")
TERMINAL_LINE_LIMIT = 300


class TerminalFilter(logging.Filter):
    """Keeps the terminal to warnings plus the product's own one-line INFO messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "terminal", True) is False:
            return False
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == name or record.name.startswith(f"{name}.") for name in CHATTY_LOGGERS)


class OneLineFormatter(logging.Formatter):
    """One terminal line per record: later lines and tracebacks are left to the log file."""

    def __init__(self, *args, log_file: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.log_file = log_file

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        first, _, rest = message.partition("\n")
        if len(first) > TERMINAL_LINE_LIMIT:
            first = first[: TERMINAL_LINE_LIMIT - 1] + "…"
        if rest or record.exc_info:
            first += f"  (more in {self.log_file})" if self.log_file else ""
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {first}"
        if record.exc_info and not self.log_file:
            # Without a file the traceback would be lost: the terminal is then the only log.
            line += "\n" + self.formatException(record.exc_info)
        return line


def private_file(path: str | Path) -> None:
    """Make the file if missing, readable by its owner and group only.

    The log holds whole emails (customers' names, addresses, working unsubscribe links) and the
    access log their IPs; a umask of 022 would leave both readable by every user of the machine.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o640))
    if path.stat().st_mode & 0o007:
        path.chmod(0o640)


def logging_config(*, level: str, log_file: str = "") -> dict:
    """The LOGGING dict: the terminal always, and a file with everything when `log_file` is set."""
    handlers = {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["quiet_heartbeats", "terminal"],
            "formatter": "terminal",
        }
    }
    if log_file:
        handlers["file"] = {
            # Reopens the file when logrotate moves it; every process appends whole lines.
            "class": "logging.handlers.WatchedFileHandler",
            "filename": log_file,
            "filters": ["quiet_heartbeats"],
            "formatter": "file",
            "encoding": "utf-8",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            # The supervisor's heartbeat task runs every few seconds: its lines would drown the rest.
            "quiet_heartbeats": {"()": "journeys.supervisor.QuietHeartbeats"},
            "terminal": {"()": "cjo_site.log_config.TerminalFilter"},
        },
        "formatters": {
            "terminal": {"()": "cjo_site.log_config.OneLineFormatter", "log_file": log_file},
            "file": {"format": "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"},
        },
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
