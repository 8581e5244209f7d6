import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the ASGI server (HTTP + websockets) as several daphne processes sharing one listening socket, "
        "so requests use every core."
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
        command = [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "cjo_site.asgi:application"]
        children = [subprocess.Popen(command, pass_fds=[listener.fileno()]) for _ in range(max(1, processes))]
        listener.close()

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if not stopping:
            raise SystemExit("a web server process exited; stopped the others")
