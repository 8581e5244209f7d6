"""Keep a set of child processes running: restart any that dies, and never let one take the others down.

Each child leads its own process group, so a child that dies or is killed takes its own
children with it (qcluster's sentinel and workers, web's daphnes) instead of leaving them
orphaned next to its replacement; and Ctrl-C in a terminal reaches the supervisor only, which
then stops the children in order.

`ClusterHeartbeat` watches a django-q2 cluster from outside: it queues a tiny task every few
seconds and asks for a restart when one is not done in time while the database was reachable.
The cluster's own sentinel reincarnates dead workers, but a worker that died holding the read
lock of the cluster's task queue leaves every other worker blocked for good (django-q2 #23,
#339); only a fresh cluster gets tasks running again.
"""

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# Waits before restarting a child that keeps dying soon after starting: quick at first, then
# gentler, so a child that cannot start (a bad setting) does not spin a core.
RESTART_DELAYS = (0.2, 1.0, 2.0, 5.0, 10.0)
# A child that ran this long before dying is restarted at the quickest delay again.
STABLE_SECONDS = 30.0
POLL_SECONDS = 0.1


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool = True  # False: an extra that may stop without being replaced
    # False: stays in the supervisor's process group, so killing the supervisor's group takes it too.
    new_session: bool = True
    env: dict = field(default_factory=dict)
    pass_fds: tuple = ()
    # How long it gets to stop after SIGTERM before it is killed; None: the supervisor's default.
    stop_seconds: float | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    starts: int = 0


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        log: Callable[[str], None] = print,
        on_start: Callable[[Child], None] | None = None,
        stop_seconds: float = 8.0,
        quiet_log: Callable[[str], None] | None = None,
    ):
        self.children = children
        self.log = log
        self.on_start = on_start
        self.stop_seconds = stop_seconds
        self.quiet_log = quiet_log or log  # for what only a log file needs to keep
        self._restart_requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    # --- running

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv, start_new_session=child.new_session, env={**os.environ, **child.env}, pass_fds=child.pass_fds
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        child.starts += 1
        if self.on_start:
            self.on_start(child)

    def request_restart(self, name: str, reason: str) -> None:
        """Ask for a child to be killed and started afresh (thread-safe; done by the supervising loop)."""
        with self._lock:
            self._restart_requests.append((name, reason))

    def run(self, stop: Callable[[], bool]) -> None:
        """Start every child, keep them running until `stop()`, then stop them all."""
        try:
            for child in self.children:
                self.start(child)
            while not stop():
                self.step()
                time.sleep(POLL_SECONDS)
        finally:
            self.stop_all()

    def step(self) -> None:
        now = time.monotonic()
        with self._lock:
            requests, self._restart_requests = self._restart_requests, []
        for name, reason in requests:
            for child in self.children:
                if child.name == name and child.process is not None and child.process.poll() is None:
                    self.log(f"{name}: {reason}; restarting it")
                    kill(child)
                    child.process.wait()
                    # Asked for, not a crash: at once, and without counting toward the crash-loop backoff.
                    child.restart_at = now + RESTART_DELAYS[0]
        for child in self.children:
            process = child.process
            if process is not None and child.restart_at is None and process.poll() is not None:
                # Its own children may have outlived it: they go too, or they would run twice.
                kill(child)
                self.log(f"{child.name} stopped (exit status {process.returncode}); " + self._plan(child))
                if child.restart:
                    self._schedule_restart(child, now)
                else:
                    child.process = None
            if child.restart_at is not None and now >= child.restart_at:
                self.start(child)

    def _plan(self, child: Child) -> str:
        return "restarting it" if child.restart else "the rest keep running"

    def _schedule_restart(self, child: Child, now: float) -> None:
        if now - child.started_at >= STABLE_SECONDS:
            child.quick_deaths = 0
        child.restart_at = now + RESTART_DELAYS[min(child.quick_deaths, len(RESTART_DELAYS) - 1)]
        child.quick_deaths += 1

    # --- stopping

    def stop_all(self) -> None:
        """SIGTERM every child's group at once, give each its `stop_seconds`, then SIGKILL what is left."""
        started = time.monotonic()
        # Taken before the signals: once a child dies, its own children are no longer found under it.
        descendants = [d for child in self.children for d in _descendants(child)]
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                send(child, signal.SIGTERM)
        for child in self.children:
            process = child.process
            if process is None:
                continue
            allowed = self.stop_seconds if child.stop_seconds is None else child.stop_seconds
            try:
                process.wait(timeout=max(0.05, started + allowed - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Expected at a Ctrl-C (a busy cluster is not worth waiting for), so not a warning.
                self.quiet_log(f"{child.name} did not stop within {allowed:g} s; killing it")
            kill(child)
            process.wait()
        # A signalled process ends a moment after the signal is sent; stopping returns once every
        # descendant has, so a restarted product never meets the old one's workers or ports.
        _wait_gone(descendants, timeout=5.0)


def _descendants(child: Child) -> list[psutil.Process]:
    if child.process is None:
        return []
    try:
        return psutil.Process(child.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_gone(processes: list[psutil.Process], timeout: float) -> None:
    """Wait until each process has exited (a zombie left to init counts as gone)."""
    deadline = time.monotonic() + timeout
    while processes and time.monotonic() < deadline:
        processes = [p for p in processes if _running(p)]
        if processes:
            time.sleep(0.01)


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def send(child: Child, signum: int) -> None:
    """Signal a child, and its whole process group when it leads one (whether or not the child still runs)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if child.new_session:
            os.killpg(child.process.pid, signum)
        elif child.process.poll() is None:
            child.process.send_signal(signum)


def kill(child: Child) -> None:
    send(child, signal.SIGKILL)


class ClusterHeartbeat:
    """Decide when a django-q2 cluster has stopped running tasks.

    One heartbeat task is out at a time: queued, then done when its token file appears in
    `directory`. The cluster is called stalled when a heartbeat stays undone for `timeout`
    seconds counted from the latest of: when it was queued, when the cluster (re)started, when
    the database last became reachable. So a cluster that is merely waiting for the database
    is never restarted for it. Until a cluster has done its first heartbeat it is given
    `start_timeout` instead: starting Django and forking workers takes long on a busy machine.
    """

    def __init__(
        self,
        directory: Path,
        *,
        enqueue: Callable[[str], None],
        database_ok: Callable[[], bool],
        every: float = 3.0,
        timeout: float = 10.0,
        start_timeout: float = 60.0,
    ):
        self.directory = directory
        self.enqueue = enqueue
        self.database_ok = database_ok
        self.every = every
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.started = False  # whether the running cluster has done a heartbeat yet
        self.pending: tuple[str, float] | None = None
        self.next_beat_at = 0.0
        self.database_ok_since: float | None = None
        self.cluster_started_at = time.monotonic()
        self._fresh = False

    def cluster_started(self, now: float | None = None) -> None:
        """Called (from any thread) when the cluster was started afresh: its old heartbeat is moot."""
        self.cluster_started_at = time.monotonic() if now is None else now
        self._fresh = True

    def step(self, now: float | None = None) -> bool:
        """Send or check a heartbeat; True when the cluster should be restarted."""
        now = time.monotonic() if now is None else now
        if self._fresh:
            self._fresh = False
            self.started = False
            self._forget_pending()
            self.next_beat_at = 0.0
        if not self.database_ok():
            self.database_ok_since = None
            return False
        if self.database_ok_since is None:
            self.database_ok_since = now
        if self.pending is None:
            if now >= self.next_beat_at:
                token = uuid.uuid4().hex
                try:
                    self.enqueue(token)
                except Exception:
                    self.database_ok_since = None
                    return False
                self.pending = (token, now)
            return False
        token, sent_at = self.pending
        done = self.directory / token
        if done.exists():
            done.unlink(missing_ok=True)
            self.started = True
            self.pending = None
            self.next_beat_at = now + self.every
            return False
        timeout = self.timeout if self.started else self.start_timeout
        if now - max(sent_at, self.database_ok_since, self.cluster_started_at) > timeout:
            self._forget_pending()
            return True
        return False

    def _forget_pending(self) -> None:
        if self.pending is not None:
            (self.directory / self.pending[0]).unlink(missing_ok=True)
        self.pending = None


class QuietHeartbeats:
    """A logging filter that drops django-q2's lines about heartbeat tasks (two every few seconds)."""

    def filter(self, record) -> bool:
        return "journeys.tasks.cluster_heartbeat" not in record.getMessage()


class ClusterWorkers:
    """Notices when a process of the django-q2 cluster (sentinel, pusher, worker, monitor) dies.

    django-q2 starts a replacement for a killed worker, but a worker killed while it held the
    read lock of the cluster's task queue leaves that lock taken for good (django-q2 #23, #339):
    no task runs again. The heartbeat finds that out after its timeout; this finds it within a
    poll, so the supervisor restarts the whole cluster at once. Each call compares the cluster's
    processes with those seen before; a new cluster process (a restart) starts afresh.
    """

    def __init__(self):
        self.cluster_pid: int | None = None
        self.seen: set[int] = set()

    def lost(self, cluster_pid: int | None) -> int | None:
        """The pid of a cluster process seen before and gone now, or None."""
        if cluster_pid != self.cluster_pid:
            self.cluster_pid, self.seen = cluster_pid, set()
        if cluster_pid is None:
            return None
        try:
            alive = {
                process.pid
                for process in psutil.Process(cluster_pid).children(recursive=True)
                if process.status() != psutil.STATUS_ZOMBIE
            }
        except psutil.Error:  # the cluster itself is gone: the supervisor restarts it anyway
            return None
        gone = self.seen - alive
        # A process the sentinel recycled normally is gone too; restarting then costs only a moment.
        self.seen = alive if not gone else set()
        return min(gone) if gone else None


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM: a loop that checks it finishes its batch, then returns."""
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return stopping
