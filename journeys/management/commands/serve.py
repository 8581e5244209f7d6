import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from journeys.activity import ActivitySummary, describe
from journeys.management.commands.seed_demo import DEMO_USERS
from journeys.management.commands.web import access_log_file, daphne_children, listening_socket
from journeys.supervisor import Child, ClusterHeartbeat, ClusterWorkers, Supervisor

# A server bound to every interface is reached locally through loopback.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
# Children get this long to stop after SIGTERM before they are killed (a delivery batch in
# flight is finished and recorded first, so nothing is sent twice).
STOP_SECONDS = 4.0
HEARTBEAT_EVERY = 3.0
HEARTBEAT_TIMEOUT = 10.0
CLUSTER = "qcluster"
# These hold nothing that needs finishing (the cluster's scheduled tasks are idempotent and run
# again), so a Ctrl-C is not kept waiting for them.
QUICK_STOPS = {"daphne": 2.0, CLUSTER: 1.0, "demo_traffic": 1.0}
STATUS_EVERY = 60.0  # seconds between the terminal's status lines
logger = logging.getLogger("journeys.serve")


def local_url(host: str, port) -> str:
    host = WILDCARD_HOSTS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def database_ok() -> bool:
    from django.db import connection

    from journeys.engine.loop import reset_django_connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        reset_django_connection()
        return False


def heartbeat_enqueue(directory: Path):
    def enqueue(token: str) -> None:
        from django_q.tasks import async_task

        try:
            async_task("journeys.tasks.cluster_heartbeat", str(directory), token, save=False, group="heartbeat")
        except Exception:
            from journeys.engine.loop import reset_django_connection

            reset_django_connection()
            raise

    return enqueue


class Command(BaseCommand):
    help = (
        "Run and supervise the product's processes in the foreground: the ASGI server (HTTP + websockets), "
        "the engine loop(s), the delivery loop and the django-q2 cluster for scheduled jobs, and with "
        "--demo-traffic a stream of demo events. A process that dies is restarted; Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--demo-traffic",
            action="store_true",
            help="Also run `manage.py demo_traffic` against this server, so the demo journeys have customers.",
        )
        parser.add_argument(
            "--engine-processes",
            type=int,
            default=settings.ENGINE_LOOPS + 1,
            help="Engine processes to run: each takes a free engine slot (ENGINE_LOOPS of them) or stands by "
            "for one; the default keeps one standby, which takes over at once when a running loop dies.",
        )
        parser.add_argument(
            "--delivery-processes",
            type=int,
            default=2,
            help="Delivery loop processes to run; they share the work, so losing one slows nothing down.",
        )

    def handle(self, *args, host, port, demo_traffic, engine_processes, delivery_processes, **options):
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        # This process holds the listening socket and supervises the daphnes itself, so a web
        # process that dies is one daphne fewer for a moment, never the site down.
        listener = listening_socket(host, int(port))
        # The children build links (unsubscribe, tracking) from HOST/PORT when PUBLIC_URL is unset:
        # they must see where this server listens, also when it came from --host/--port.
        os.environ["HOST"], os.environ["PORT"] = host, str(port)
        children = [
            *daphne_children(listener, settings.WEB_PROCESSES, new_session=True),
            Child(CLUSTER, [python, manage, "qcluster"]),
            *(Child(f"engine-{n}", [python, manage, "engine"]) for n in range(max(1, engine_processes))),
            *(Child(f"deliver-{n}", [python, manage, "deliver"]) for n in range(max(1, delivery_processes))),
        ]
        if demo_traffic:
            # An extra: if it stops (say the demo write key is gone), the product keeps running.
            children.append(
                Child(
                    "demo_traffic",
                    [python, manage, "demo_traffic", "--url", local_url(host, port), "--quiet"],
                    restart=False,
                )
            )
        for child in children:
            child.stop_seconds = QUICK_STOPS.get(child.name.split("-")[0])
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # This process only queues heartbeats; django-q2 would announce each one.
        logging.getLogger("django-q").setLevel(logging.WARNING)
        directory = Path(tempfile.mkdtemp(prefix="cjo-heartbeat-"))
        heartbeat = ClusterHeartbeat(
            directory,
            enqueue=heartbeat_enqueue(directory),
            database_ok=database_ok,
            every=HEARTBEAT_EVERY,
            timeout=HEARTBEAT_TIMEOUT,
        )

        def log(message: str) -> None:
            logger.warning(message)

        def quiet_log(message: str) -> None:
            logger.info(message, extra={"terminal": False})

        def on_start(child: Child) -> None:
            if child.name == CLUSTER:
                heartbeat.cluster_started()

        supervisor = Supervisor(children, log=log, quiet_log=quiet_log, on_start=on_start, stop_seconds=STOP_SECONDS)

        workers = ClusterWorkers()

        def watch_cluster() -> None:
            while not stopping.wait(0.5):
                cluster = next(child for child in supervisor.children if child.name == CLUSTER)
                lost = workers.lost(cluster.process.pid if cluster.process else None)
                if lost:
                    # Seen at once rather than after the heartbeat timeout: django-q2 replaces a
                    # killed worker, but one that died holding the task queue's lock stalls it.
                    supervisor.request_restart(CLUSTER, f"its process {lost} died")
                    continue
                try:
                    stalled = heartbeat.step()
                except Exception as error:  # a watcher that died would leave a stalled cluster alone
                    log(f"cluster heartbeat failed: {error!r}")
                    continue
                if stalled:
                    supervisor.request_restart(CLUSTER, f"no task done for {HEARTBEAT_TIMEOUT:g} s")

        def report_status() -> None:
            # One line a minute that repeats the address, so it never scrolls out of reach.
            summary = ActivitySummary()
            url = local_url(host, port)
            wait = 0.0  # the first pass only sets the mark the next minute is counted from
            while not stopping.wait(wait):
                wait = STATUS_EVERY
                try:
                    activity = summary.since_last()
                except Exception as error:  # the database may be away for a moment; say so and go on
                    logger.warning("status: could not read activity (%s)", error.__class__.__name__)
                    continue
                if activity is not None:
                    logger.info("%s  last minute: %s", url, describe(activity))

        watcher = threading.Thread(target=watch_cluster, name="cluster-heartbeat", daemon=True)
        status = threading.Thread(target=report_status, name="status-line", daemon=True)
        self.stdout.write(self.style.SUCCESS(banner(local_url(host, port), demo=demo_traffic)))
        self.stdout.flush()
        try:
            watcher.start()
            status.start()
            supervisor.run(stopping.is_set)
        finally:
            stopping.set()
            listener.close()
            watcher.join(timeout=2)
            with contextlib.suppress(OSError):
                shutil.rmtree(directory)


def banner(url: str, *, demo: bool) -> str:
    """What someone who typed `make run` needs: where to go, how to log in, where the logs are."""
    lines = ["", f"  Journeys is running at {url}/"]
    if demo:
        logins = ", ".join(f"{username} / {password}" for username, password, _, _ in DEMO_USERS)
        lines.append(f"  Demo logins (user / password): {logins}")
    else:
        lines.append("  Log in with a user made by `manage.py createsuperuser`.")
    if settings.LOG_FILE:
        lines.append(f"  Full logs: {settings.LOG_FILE}  (web requests: {access_log_file()})")
    else:
        lines.append("  Logs: this terminal only (set LOG_FILE to keep every line in a file).")
    lines += ["  Ctrl-C stops everything.", ""]
    return "\n".join(lines)
