"""Shared set-up for the benchmarks: a database of their own, Django, and small measuring helpers."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "cjo_bench"


def use_bench_database() -> str:
    """Point this process (and its children) at a database for benchmarks, migrated; return a label.

    With DATABASE_URL set, that database is used as it is. Otherwise a `cjo_bench` database
    on the embedded server, so benchmark rows never land in the demo data of `make run`.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cjo_site.settings")
    os.environ.setdefault("DEBUG", "1")
    if os.environ.get("DATABASE_URL"):
        label = "DATABASE_URL"
    else:
        sys.path.insert(0, str(ROOT))
        from cjo_site.embedded_db import embedded_database_settings

        socket_dir = embedded_database_settings(ROOT / ".data" / "postgres")["HOST"]
        _create_database(socket_dir)
        os.environ["DATABASE_URL"] = f"postgres://postgres@{quote(socket_dir, safe='')}/{BENCH_DATABASE}"
        label = "embedded"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True, cwd=ROOT)
    return label


def reset_bench_database(label: str) -> None:
    """Start from empty tables in the benchmarks' own database, so runs do not slow each other down.

    Never done on a DATABASE_URL database: that may hold someone's data.
    """
    from django.db import connection

    if label != "embedded":
        log("DATABASE_URL is set: leaving its data alone; earlier runs' rows may slow this one")
        return
    with connection.cursor() as cursor:
        # CASCADE: everything kept per customer (opt-outs, in-app messages, experiment exposures)
        # goes with them; this is the benchmarks' own database.
        cursor.execute(
            "TRUNCATE journeys_step, journeys_delivery, journeys_splitassignment, journeys_nodestat,"
            " journeys_nodestattotal, journeys_enrollment, journeys_engineinbox, journeys_event,"
            " journeys_anonymousid, journeys_customer CASCADE"
        )
        cursor.execute("UPDATE journeys_journey SET status = 'stopped' WHERE status = 'live'")


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a long-running system."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_enrollment, journeys_customer")


def _create_database(socket_dir: str) -> None:
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def graph_node(node_id: str, kind: str, config: dict | None = None) -> dict:
    """A node of a journey graph (React Flow's shape); benchmarks do not care where it is drawn."""
    return {
        "id": node_id,
        "type": "journey",
        "position": {"x": 0, "y": 0},
        "data": {"kind": kind, "config": config or {}},
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    """A loopback port nobody listens on right now, for a server the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(port: int, deadline: float) -> None:
    """Return once something accepts connections on the port; give up at `deadline` (monotonic)."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


@contextmanager
def running_server(
    *, engine_seconds: float | None = None, processes: int | None = None
) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run `manage.py web` on a free port, and with `engine_seconds` one engine worker for that long.

    Yields (port, web process) once the port accepts connections; both are stopped on the way out,
    whatever happened inside.
    """
    port = free_port()
    env = {**os.environ, "DEBUG": "1"}
    command = [sys.executable, str(ROOT / "manage.py"), "web", "--host", "127.0.0.1", "--port", str(port)]
    if processes:
        command += ["--processes", str(processes)]
    started = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        if engine_seconds is not None:
            engine = (
                "import django; django.setup(); from journeys.engine.loop import run_engine;"
                f" run_engine(seconds={engine_seconds})"
            )
            started.append(
                subprocess.Popen(
                    [sys.executable, "-c", engine],
                    cwd=ROOT,
                    env={**env, "DJANGO_SETTINGS_MODULE": "cjo_site.settings"},
                )
            )
        wait_for_server(port, time.monotonic() + 30)
        yield port, started[0]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=20)
