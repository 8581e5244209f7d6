"""Running a loop in a thread of the test, and cutting its database connections from outside."""

import threading
import time

from django.db import connection


def in_thread(target, **kwargs) -> tuple[threading.Thread, dict]:
    """Start `target(**kwargs)` in a thread; its return value lands in result["value"]."""
    result = {}

    def body():
        try:
            result["value"] = target(**kwargs)
        except BaseException as error:  # reported by the test, not lost in the thread
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, result


def eventually(check, *, within: float) -> bool:
    """Poll `check()` until it is true or `within` seconds have passed; return its last answer."""
    deadline = time.monotonic() + within
    while not (answer := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return bool(answer)


def cut_other_connections() -> int:
    """Terminate every other session on the test database, as a database restart would; return how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
    eventually(lambda: not _alive(pids), within=5)
    # Idle connections of this process's pool were cut too: drop them before a test borrows one.
    pool = getattr(connection, "pool", None)
    if pool is not None:
        pool.check()
    return len(pids)


def _alive(pids: list[int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return cursor.fetchone()[0] > 0


def listening(channel: str) -> bool:
    """Whether some session of the test database LISTENs on `channel`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = %s",
            [f"LISTEN {channel}"],
        )
        return cursor.fetchone()[0] > 0
