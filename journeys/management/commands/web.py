import os
import signal
import socket
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from journeys.supervisor import Child, Supervisor


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
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
        # daphne serves a socket it inherits (--fd); the kernel spreads connections between them.
        # This process keeps the socket open, so a replacement daphne serves it too, and
        # connections arriving meanwhile wait in the backlog for the survivors.
        command = [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "cjo_site.asgi:application"]
        children = [
            # In this process's group: whoever kills this process's group takes the daphnes with it.
            Child(f"daphne-{n}", command, pass_fds=(listener.fileno(),), new_session=False)
            for n in range(max(1, processes))
        ]
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            Supervisor(children, log=self.stderr.write, stop_seconds=10).run(stopping.is_set)
        finally:
            listener.close()
