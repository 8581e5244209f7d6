import os
import signal
import socket
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cjo_site.log_config import private_file
from journeys.supervisor import Child, Supervisor


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    return listener


def access_log_file() -> Path | None:
    """Where daphne writes its access log: beside LOG_FILE when that is set, else daphne's default (stdout)."""
    return Path(settings.LOG_FILE).with_name("access.log") if settings.LOG_FILE else None


def daphne_children(listener: socket.socket, processes: int, *, new_session: bool) -> list[Child]:
    """daphne processes serving a socket they inherit (--fd); the kernel spreads connections between them.

    Whoever keeps the socket open and replaces a daphne that died keeps the site up: connections
    arriving meanwhile wait in the backlog for the survivors.
    """
    command = [sys.executable, "-m", "daphne", "--fd", str(listener.fileno())]
    access_log = access_log_file()
    if access_log:
        # One line per request is a file's job; the terminal keeps the product's own lines.
        private_file(access_log)
        command += ["--access-log", str(access_log)]
    command.append("cjo_site.asgi:application")
    return [
        Child(f"daphne-{n}", command, pass_fds=(listener.fileno(),), new_session=new_session)
        for n in range(max(1, processes))
    ]


class Command(BaseCommand):
    help = (
        "Run the ASGI server (HTTP + websockets) as several daphne processes sharing one listening socket, "
        "so requests use every core. A daphne process that dies is replaced; the others keep serving."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--processes", type=int, default=settings.WEB_PROCESSES)

    def handle(self, *args, host, port, processes, **options):
        listener = listening_socket(host, port)
        # In this process's group: whoever kills this process's group takes the daphnes with it.
        children = daphne_children(listener, processes, new_session=False)
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            Supervisor(children, log=self.stderr.write, stop_seconds=10).run(stopping.is_set)
        finally:
            listener.close()
