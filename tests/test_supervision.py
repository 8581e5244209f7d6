"""Losing any one process never stops the product: real processes, killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from journeys.supervisor import Child, ClusterHeartbeat, ClusterWorkers, Supervisor
from tests.factories import database_url, free_port
from tests.loop_helpers import eventually

ROOT = Path(__file__).resolve().parent.parent
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# A child that starts a grandchild of its own and prints its pid, like qcluster starts its workers.
PARENT = [
    sys.executable,
    "-c",
    "import subprocess, sys, time; g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
    " print(g.pid, flush=True); time.sleep(600)",
]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Running:
    """A Supervisor running in a thread of the test, stopped on the way out."""

    def __init__(self, children, **kwargs):
        self.stop = threading.Event()
        self.supervisor = Supervisor(children, log=lambda message: None, **kwargs)
        self.thread = threading.Thread(target=self.supervisor.run, args=(self.stop.is_set,))

    def __enter__(self):
        self.thread.start()
        assert eventually(lambda: all(c.process for c in self.supervisor.children), within=10)
        return self.supervisor

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def test_a_killed_child_is_restarted_and_the_others_keep_running():
    children = [Child("a", SLEEPER), Child("b", SLEEPER)]
    with Running(children):
        first_a, first_b = children[0].process.pid, children[1].process.pid
        os.kill(first_a, signal.SIGKILL)

        assert eventually(lambda: children[0].process.pid != first_a and alive(children[0].process.pid), within=10)
        assert children[1].process.pid == first_b and alive(first_b)
        assert children[0].starts == 2 and children[1].starts == 1


def test_a_killed_childs_own_children_go_with_it_before_it_is_replaced():
    children = [Child("parent", PARENT)]
    children[0].env = {}
    with Running(children):
        process = children[0].process
        grandchild = int(psutil.Process(process.pid).children()[0].pid) if _wait_children(process.pid) else None
        assert grandchild is not None
        os.kill(process.pid, signal.SIGKILL)

        assert eventually(lambda: children[0].starts == 2, within=10)
        assert eventually(lambda: not alive(grandchild), within=10), "the orphan would run next to its replacement"


def _wait_children(pid: int) -> bool:
    return eventually(lambda: psutil.Process(pid).children(), within=10)


def test_an_extra_that_stops_is_not_restarted_and_the_rest_keep_running():
    children = [Child("main", SLEEPER), Child("extra", [sys.executable, "-c", "pass"], restart=False)]
    with Running(children):
        assert eventually(lambda: children[1].process is None, within=10)
        assert alive(children[0].process.pid)
    assert children[1].starts == 1


def test_a_restart_request_kills_and_replaces_the_child():
    children = [Child("cluster", SLEEPER)]
    with Running(children) as supervisor:
        first = children[0].process.pid
        supervisor.request_restart("cluster", "stalled")
        assert eventually(lambda: children[0].starts == 2, within=10)
        assert not alive(first)


def test_requested_restarts_do_not_slow_the_restart_after_a_real_crash():
    children = [Child("cluster", SLEEPER)]
    with Running(children) as supervisor:
        for restart in range(2, 6):
            supervisor.request_restart("cluster", "a process of it died")
            assert eventually(lambda n=restart: children[0].starts == n, within=10)
        assert children[0].quick_deaths == 0
        os.kill(children[0].process.pid, signal.SIGKILL)
        assert eventually(lambda: children[0].starts == 6, within=10)
        assert children[0].quick_deaths == 1  # the crash counts; it waited the shortest delay


def test_stopping_ends_every_child_and_its_children():
    children = [Child("parent", PARENT), Child("a", SLEEPER)]
    with Running(children):
        assert _wait_children(children[0].process.pid)
        everyone = [children[1].process.pid, children[0].process.pid]
        everyone += [c.pid for c in psutil.Process(children[0].process.pid).children()]
    assert not any(alive(pid) for pid in everyone)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period():
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)",
    ]
    children = [Child("stubborn", stubborn)]
    with Running(children, stop_seconds=0.5):
        pid = children[0].process.pid
    assert not alive(pid)


# --- the cluster heartbeat, on a clock the test moves


class FakeCluster:
    def __init__(self, directory: Path):
        self.directory = directory
        self.queued: list[str] = []
        self.database = True

    def enqueue(self, token: str) -> None:
        if not self.database:
            raise ConnectionError("database down")
        self.queued.append(token)

    def run_tasks(self) -> None:
        for token in self.queued:
            (self.directory / token).touch()
        self.queued.clear()


@pytest.fixture
def cluster(tmp_path):
    return FakeCluster(tmp_path)


def heartbeat(cluster: FakeCluster) -> ClusterHeartbeat:
    beat = ClusterHeartbeat(
        cluster.directory, enqueue=cluster.enqueue, database_ok=lambda: cluster.database, every=3, timeout=10
    )
    beat.cluster_started(now=0)
    return beat


def test_a_cluster_that_runs_its_heartbeats_is_left_alone(cluster):
    beat = heartbeat(cluster)
    for second in range(60):
        assert not beat.step(now=second)
        cluster.run_tasks()
    assert not list(cluster.directory.iterdir()), "done heartbeats are cleared"


def started(cluster: FakeCluster, beat: ClusterHeartbeat, now: float) -> None:
    """The cluster does its first heartbeat."""
    beat.step(now=now)
    cluster.run_tasks()
    beat.step(now=now)


def test_a_cluster_that_stops_running_tasks_is_restarted_after_the_timeout(cluster):
    beat = heartbeat(cluster)
    started(cluster, beat, 0)
    assert not beat.step(now=3)  # queued, never done
    assert not beat.step(now=13)
    assert beat.step(now=13.5)


def test_a_starting_cluster_gets_the_start_timeout_for_its_first_heartbeat(cluster):
    beat = heartbeat(cluster)
    beat.step(now=0)
    assert not beat.step(now=59)
    assert beat.step(now=61)


def test_no_restart_for_a_heartbeat_held_up_by_the_database(cluster):
    beat = heartbeat(cluster)
    started(cluster, beat, 0)
    beat.step(now=3)
    cluster.database = False
    for second in range(4, 30):
        assert not beat.step(now=second)
    cluster.database = True
    assert not beat.step(now=30)  # the clock starts again when the database is back
    assert not beat.step(now=39)
    assert beat.step(now=41)


def test_a_restarted_cluster_gets_a_fresh_heartbeat_and_time_to_start(cluster):
    beat = heartbeat(cluster)
    started(cluster, beat, 0)
    beat.step(now=3)
    assert beat.step(now=14)
    beat.cluster_started(now=14)
    assert not beat.step(now=14)  # a new heartbeat goes out
    assert len(cluster.queued) == 2
    assert not beat.step(now=30)  # still starting: no restart yet
    cluster.run_tasks()
    assert not beat.step(now=31)


def test_the_heartbeat_tasks_log_lines_are_dropped():
    import logging

    from journeys.supervisor import QuietHeartbeats

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("django-q", logging.INFO, __file__, 1, message, (), None)

    quiet = QuietHeartbeats()
    assert not quiet.filter(record("Processed 'journeys.tasks.cluster_heartbeat' (solar-pasta)"))
    assert quiet.filter(record("Processed 'journeys.tasks.audiences_run_scheduled' (solar-pasta)"))


def test_a_cluster_process_that_dies_is_noticed_at_once_and_a_new_cluster_starts_afresh():
    cluster = subprocess.Popen(PARENT, stdout=subprocess.PIPE, text=True)
    worker = int(cluster.stdout.readline())
    try:
        watch = ClusterWorkers()
        assert watch.lost(cluster.pid) is None  # first look: its processes are noted
        assert watch.lost(cluster.pid) is None  # nothing died
        os.kill(worker, signal.SIGKILL)
        assert eventually(lambda: not alive(worker), within=10)
        assert watch.lost(cluster.pid) == worker
        assert watch.lost(None) is None  # the cluster is being restarted
    finally:
        cluster.kill()
        cluster.wait()
        if alive(worker):
            os.kill(worker, signal.SIGKILL)


# --- the whole product under `manage.py serve`


def _url_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def _child(serve: psutil.Process, command: str) -> psutil.Process | None:
    for child in serve.children():
        try:
            if command in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            pass
    return None


def _children(serve: psutil.Process, command: str) -> set[int]:
    found = set()
    for child in serve.children():
        try:
            if command in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.add(child.pid)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.mark.django_db(transaction=True)
def test_serve_survives_losing_any_process_and_ctrl_c_still_stops_everything(tmp_path):
    from django_q.tasks import async_task

    port = free_port()
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url(), "WEB_PROCESSES": "2", "Q_WORKERS": "2"}
    env.pop("PORT", None)
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("w"),
    )
    login = f"http://127.0.0.1:{port}/login/"
    done_dir = Path(tempfile.mkdtemp(dir=tmp_path))

    def task_runs(*, within: float) -> bool:
        # A fresh task now and then: one the stalled cluster took in stays there until django-q2's
        # `retry` (minutes); what matters is that tasks queued from now on run again.
        def fresh_task_done() -> bool:
            token = uuid.uuid4().hex
            async_task("journeys.tasks.cluster_heartbeat", str(done_dir), token, save=False)
            return eventually(lambda: (done_dir / token).exists(), within=8)

        return eventually(fresh_task_done, within=within)

    try:
        parent = psutil.Process(serve.pid)
        assert eventually(lambda: _url_ok(login), within=60), "the server did not answer"
        assert task_runs(within=60), "the cluster should run tasks"
        # Links made by the engine and delivery processes point where the server listens
        # (--port, not a PORT the environment never had).
        assert _child(parent, "deliver").environ().get("PORT") == str(port)

        # Every process the django-q2 sentinel started (pusher, idle workers, monitor): one of the
        # idle workers holds the task queue's read lock, which hangs the cluster for good.
        cluster = _child(parent, "qcluster")
        sentinel = cluster.children()[0]
        for process in sentinel.children():
            process.kill()
        assert task_runs(within=90), "tasks should run again once the stalled cluster is replaced"

        for command in ("engine", "deliver", "daphne"):
            before = _children(parent, command)
            victim = _child(parent, command)
            victim.kill()
            assert eventually(lambda c=command, b=before: len(_children(parent, c) - b) == 1, within=30), command
            assert _url_ok(login), "the site stays up"

        everyone = parent.children(recursive=True)
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
        print((tmp_path / "serve.log").read_text())  # shown when the test fails
    assert not [p.pid for p in everyone if alive(p.pid)]
