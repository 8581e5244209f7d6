import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

# A server bound to every interface is reached locally through loopback.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
STOP_SECONDS = 15


def local_url(host: str, port) -> str:
    host = WILDCARD_HOSTS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def start(args: list[str], **env) -> subprocess.Popen:
    # Each child leads its own process group, so a child that has to be killed goes with its own
    # children (qcluster's sentinel and workers) instead of leaving them orphaned. Ctrl-C reaches
    # this process only, which stops the children in order.
    return subprocess.Popen(args, start_new_session=True, env={**os.environ, **env})


class Command(BaseCommand):
    help = (
        "Run the ASGI server (HTTP + websockets) and the worker cluster in the foreground, and with "
        "--demo-traffic a stream of demo events; Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--demo-traffic",
            action="store_true",
            help="Also run `manage.py demo_traffic` against this server, so the demo journeys have customers.",
        )

    def handle(self, *args, host, port, demo_traffic, **options):
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        children = [
            start([python, manage, "web", "--host", host, "--port", str(port)]),
            start([python, manage, "qcluster"]),  # settings turn the pool off for workers
        ]
        # Demo traffic is an extra: if it stops (say the demo write key is gone), the product keeps running.
        extras = []
        if demo_traffic:
            extras.append(start([python, manage, "demo_traffic", "--url", local_url(host, port)]))
        from journeys.tasks import engine_watchdog

        engine_watchdog()  # start the engine loops now rather than at the scheduler's next minute
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Open http://{host}:{port}/  (demo logins: see README.md, e.g. marketer / marketer-demo)\n"
            )
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        reported = set()
        try:
            # Run until Ctrl-C, or until a main child dies (then stop the others too).
            while not stopping and all(child.poll() is None for child in children):
                for extra in extras:
                    if extra.poll() is not None and extra.pid not in reported:
                        reported.add(extra.pid)
                        self.stderr.write(f"{extra.args[2]} stopped (exit status {extra.returncode}); still serving.")
                time.sleep(0.2)
        finally:
            for child in children + extras:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            for child in children + extras:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"{child.args[2]} did not stop within {STOP_SECONDS} s; killing it.")
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        failed = [child.args[2] for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(f"stopped because a process exited: {', '.join(failed)}")
