"""Ingestion benchmark: committed events per second through POST /v1/batch, for events of new
profiles and of known ones, request latency, and the machine's raw PostgreSQL insert rate for the
same rows as a yardstick.

    .venv/bin/python bench/ingest.py                      # own daphne on a free port, DEBUG=0
    .venv/bin/python bench/ingest.py --clients 16 --seconds 60
    .venv/bin/python bench/ingest.py --url http://127.0.0.1:8000 --write-key=KEY   # "=": keys may start with "-"

Progress goes to stderr; the last line on stdout is one JSON object with the figures. See
bench/README.md and docs/benchmarks.md. A benchmark, not a test: it asserts nothing.
"""

import argparse
import base64
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from common import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
USER_PREFIX = "bench-user-"
# Its own database: an engine loop of another benchmark on a shared one would consume (and slow
# down) this one's events through the engine inbox.
BENCH_DATABASE = "cjo_bench_ingest"
HTTP_TIMEOUT_SECONDS = 60
SERVER_START_TIMEOUT_SECONDS = 90


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Realistic Segment `track` events -------------------------------------------------------

EVENT_WEIGHTS = {
    "Product Viewed": 38,
    "Products Searched": 12,
    "Product Added": 14,
    "Cart Viewed": 10,
    "Checkout Started": 7,
    "Order Completed": 6,
    "Product Removed": 4,
    "Coupon Applied": 3,
    "Signed In": 6,
}
CATEGORIES = ("Shoes", "Outerwear", "Accessories", "Home & Garden", "Electronics", "Beauty", "Sports")
BRANDS = ("Northwind", "Acme", "Lumen", "Trailhead", "Bluebird", "Kestrel")
SEARCHES = ("running shoes", "rain jacket", "gift for dad", "wireless earbuds", "yoga mat", "linen shirt")
CURRENCIES = ("USD", "EUR", "GBP")
LIBRARIES = (("analytics.js", "5.2.0"), ("analytics-python", "2.3.3"), ("analytics-ios", "4.1.8"))
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)


def _product(rng: random.Random, currency: str) -> dict:
    number = rng.randrange(1, 5000)
    category = rng.choice(CATEGORIES)
    return {
        "product_id": f"prod_{number:05d}",
        "sku": f"SKU-{number:05d}-{rng.choice('SMLX')}",
        "name": f"{rng.choice(BRANDS)} {category} item {number}",
        "category": category,
        "brand": rng.choice(BRANDS),
        "price": round(rng.uniform(4.99, 399.0), 2),
        "quantity": rng.randint(1, 3),
        "currency": currency,
        "url": f"https://shop.example.com/p/{number}",
    }


def make_event(rng: random.Random) -> dict:
    """A `track` message as an SDK sends it, without userId, messageId and timestamp (set per request)."""
    name = rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
    currency = rng.choice(CURRENCIES)
    if name == "Order Completed":
        products = [_product(rng, currency) for _ in range(rng.randint(1, 3))]
        subtotal = round(sum(p["price"] * p["quantity"] for p in products), 2)
        properties = {
            "order_id": f"ord_{rng.randrange(10**9):09d}",
            "total": round(subtotal + 4.95, 2),
            "revenue": subtotal,
            "shipping": 4.95,
            "tax": round(subtotal * 0.2, 2),
            "coupon": rng.choice(("", "SUMMER10", "WELCOME")),
            "currency": currency,
            "products": products,
        }
    elif name in ("Cart Viewed", "Checkout Started"):
        products = [_product(rng, currency) for _ in range(rng.randint(1, 4))]
        properties = {
            "cart_id": f"cart_{rng.randrange(10**8):08d}",
            "value": round(sum(p["price"] * p["quantity"] for p in products), 2),
            "currency": currency,
            "products": products,
        }
    elif name == "Products Searched":
        properties = {"query": rng.choice(SEARCHES), "results": rng.randint(0, 120)}
    elif name == "Signed In":
        properties = {"method": rng.choice(("password", "google", "apple"))}
    elif name == "Coupon Applied":
        properties = {"coupon_id": rng.choice(("SUMMER10", "WELCOME", "VIP25")), "discount": rng.choice((5, 10, 25))}
    else:
        properties = _product(rng, currency)
    path = f"/p/{rng.randrange(1, 5000)}" if "Product" in name else rng.choice(("/", "/cart", "/checkout", "/search"))
    library, version = rng.choice(LIBRARIES)
    context = {
        "library": {"name": library, "version": version},
        "ip": f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "userAgent": rng.choice(USER_AGENTS),
        "locale": rng.choice(("en-US", "en-GB", "de-DE", "fr-FR")),
        "page": {
            "path": path,
            "url": f"https://shop.example.com{path}",
            "referrer": rng.choice(("", "https://www.google.com/", "https://news.example.org/")),
            "title": f"{name} - Example Shop",
            "search": "",
        },
    }
    return {"type": "track", "event": name, "properties": properties, "context": context, "integrations": {}}


def iso_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def user_pool(size: int) -> list[str]:
    return [f"{USER_PREFIX}{number:05d}" for number in range(size)]


class BatchMaker:
    """Builds /v1/batch bodies cheaply: events are serialised once as templates, and each request
    only fills in userId, a fresh messageId and a timestamp, so the load generator stays light."""

    def __init__(self, *, seed: int, users: int, templates: int = 1000, new_users_prefix: str | None = None):
        self.rng = random.Random(seed)
        self.users = user_pool(users)
        # With a prefix, every event names a userId never seen before: the first event of a new profile.
        self.new_users_prefix = new_users_prefix
        self.new_users = 0
        self.templates = []
        for _ in range(templates):
            event = make_event(self.rng)
            event.update(userId="@@UID@@", messageId="@@MID@@", timestamp="@@TS@@")
            text = json.dumps(event, separators=(",", ":")).replace("%", "%%")
            for marker, key in (("@@UID@@", "uid"), ("@@MID@@", "mid"), ("@@TS@@", "ts")):
                text = text.replace(f'"{marker}"', f'"%({key})s"')
            self.templates.append(text)

    def user_id(self) -> str:
        if self.new_users_prefix is None:
            return self.rng.choice(self.users)
        self.new_users += 1
        return f"{self.new_users_prefix}{self.new_users}"

    def body(self, size: int) -> bytes:
        rng, now = self.rng, datetime.now(UTC)
        messages = [
            rng.choice(self.templates)
            % {
                "uid": self.user_id(),
                "mid": str(uuid.uuid4()),
                "ts": iso_utc(now - timedelta(milliseconds=rng.randrange(5000))),
            }
            for _ in range(size)
        ]
        return f'{{"batch":[{",".join(messages)}],"sentAt":"{iso_utc(now)}"}}'.encode()


# --- The load generator (runs in child processes; standard library only) -----------------------


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = min(len(sorted_values), max(1, math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


def client_main(
    index: int, url: str, write_key: str, batch_size: int, users: int, new_users_prefix, go, window, results
) -> None:
    """One SDK-like client on a keep-alive connection: post batches back to back until the window ends.

    Requests that *start* inside [window[0], window[1]) are measured; those in the warm-up are not.
    With `new_users_prefix`, each event is for a profile nobody has seen yet.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/") + "/v1/batch"
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
        "Content-Type": "application/json",
        "User-Agent": "cjo-bench/1.0",
    }
    maker = BatchMaker(
        seed=1000 + index,
        users=users,
        new_users_prefix=None if new_users_prefix is None else f"{new_users_prefix}{index}-",
    )

    def connect():
        return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=HTTP_TIMEOUT_SECONDS)

    connection = connect()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    accepted = failures = 0
    first_error = None
    results.put(("ready", index))
    go.wait()
    measure_from, measure_until = window[0], window[1]
    while time.monotonic() < measure_until:
        body = maker.body(batch_size)
        started = time.monotonic()
        status, answer, retry_after = None, b"", None
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            answer = response.read()
            status = response.status
            retry_after = response.getheader("Retry-After")
        except (OSError, http.client.HTTPException) as error:
            first_error = first_error or f"{error.__class__.__name__}: {error}"
            connection.close()
            connection = connect()
        elapsed = time.monotonic() - started
        measured = started >= measure_from
        if measured:
            key = str(status) if status else "connection error"
            statuses[key] = statuses.get(key, 0) + 1
            if status == 200:
                latencies.append(elapsed * 1000)
                accepted += json.loads(answer).get("accepted", 0)
            elif status != 429:
                failures += 1
                if first_error is None:
                    first_error = f"HTTP {status}: {answer[:300].decode(errors='replace')}"
        if status == 429:
            # What an SDK does (Retry-After), capped so a throttled run still ends on time.
            time.sleep(min(float(retry_after or 1), 1.0, max(0.0, measure_until - time.monotonic())))
        elif status is None:
            time.sleep(0.05)
    connection.close()
    results.put(
        (
            "done",
            index,
            {"latencies": latencies, "statuses": statuses, "accepted": accepted, "errors": failures},
            first_error,
        )
    )


# --- The server under test ------------------------------------------------------------------


def project_python() -> str:
    venv_python = BASE_DIR / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def manage(args: list[str], env: dict) -> str:
    """Run a manage.py command; its stdout, or exit with its output when it fails."""
    done = subprocess.run(
        [project_python(), str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        log(done.stdout + done.stderr)
        sys.exit(f"manage.py {' '.join(args)} failed with exit code {done.returncode}")
    return done.stdout


class Server:
    """Our own daphne on 127.0.0.1; stopped (it and nothing else) by stop()."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = tempfile.NamedTemporaryFile(prefix="bench-ingest-daphne-", suffix=".log", delete=False)  # noqa: SIM115
        # The product's own web server: WEB_PROCESSES daphne processes behind one socket.
        self.command = [
            project_python(),
            str(BASE_DIR / "manage.py"),
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.keep_log = False
        self.process = subprocess.Popen(
            self.command, env=env, cwd=BASE_DIR, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"daphne exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                probe.request("GET", "/v1/batch")
                probe.getresponse().read()
                probe.close()
                return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"daphne did not answer within {SERVER_START_TIMEOUT_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text = Path(self.log_file.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop daphne; its log is removed unless keep_log was set (after errors)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        if not self.keep_log:
            Path(self.log_file.name).unlink(missing_ok=True)


# --- Database access from the bench process (Django's own connection settings) ----------------


def use_bench_database(server_env: dict) -> None:
    """Point our server and this process at a `cjo_bench_ingest` database on the embedded server.

    So that benchmark rows (events, the bench-user-* profiles) never mix with the demo data
    of `make run`. Only used when DATABASE_URL is unset and we start our own server.
    """
    import psycopg

    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    from cjo_site.embedded_db import embedded_database_settings

    socket_dir = embedded_database_settings(BASE_DIR / ".data" / "postgres")["HOST"]
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another benchmark won the race
                conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    url = f"postgres://postgres@{quote(socket_dir, safe='')}/{BENCH_DATABASE}"
    os.environ["DATABASE_URL"] = server_env["DATABASE_URL"] = url


def setup_django() -> None:
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cjo_site.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def query_one(sql: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def execute(sql: str, params=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def count_events(source_id: int) -> int:
    return query_one("SELECT count(*) FROM journeys_event WHERE source_id = %s", [source_id])[0]


def raw_insert_rate(*, source_id: int, users: int, batch_size: int, seconds: float) -> dict:
    """Rows per second that plain psycopg commits into a scratch copy of journeys_event.

    Same rows, same statement shape (INSERT ... SELECT FROM unnest ... ON CONFLICT DO NOTHING
    RETURNING id) and the same indexes and foreign keys as the real table; one connection, one
    commit per batch. A regular (logged) table, so each commit pays for WAL like ingestion does.
    Parameters go in binary (%b): psycopg escapes text-format arrays in pure Python, which would
    measure the client rather than PostgreSQL (see docs/benchmarks.md).
    """
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    rng = random.Random(7)
    rows = []
    for _ in range(1000):
        event = make_event(rng)
        rows.append((event["event"], json.dumps(event["properties"]), json.dumps(event["context"])))
    table = f"bench_ingest_scratch_{os.getpid()}"
    with psycopg.connect(**params) as conn:
        customer_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM journeys_customer WHERE external_id = ANY(%s)", [user_pool(users)]
            ).fetchall()
        ]
        if not customer_ids:
            log("raw insert: skipped, no bench customers exist (did every request fail?)")
            return {"raw_insert_per_s": None}
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (LIKE journeys_event INCLUDING ALL)")
        conn.execute(
            f"ALTER TABLE {table}"
            " ADD FOREIGN KEY (source_id) REFERENCES journeys_source (id) DEFERRABLE INITIALLY DEFERRED,"
            " ADD FOREIGN KEY (customer_id) REFERENCES journeys_customer (id) DEFERRABLE INITIALLY DEFERRED"
        )
        conn.commit()
        sql = (
            f"INSERT INTO {table}"
            " (source_id, customer_id, type, name, properties, context, message_id, timestamp, received_at)"
            " SELECT %b, c, t, n, p::jsonb, x::jsonb, m, ts, %b"
            " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[])"
            " AS v(c, t, n, p, x, m, ts)"
            " ON CONFLICT (source_id, message_id) DO NOTHING RETURNING id"
        )
        inserted = 0
        try:
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                now = datetime.now(UTC)
                batch = [rng.choice(rows) for _ in range(batch_size)]
                with conn.cursor() as cursor:
                    cursor.execute(
                        sql,
                        [
                            source_id,
                            now,
                            [rng.choice(customer_ids) for _ in batch],
                            ["track"] * batch_size,
                            [row[0] for row in batch],
                            [row[1] for row in batch],
                            [row[2] for row in batch],
                            [str(uuid.uuid4()) for _ in batch],
                            [now - timedelta(milliseconds=rng.randrange(5000)) for _ in batch],
                        ],
                    )
                    inserted += len(cursor.fetchall())
                conn.commit()
            elapsed = time.monotonic() - started
        finally:
            conn.rollback()
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.commit()
    return {"raw_insert_per_s": round(inserted / elapsed), "raw_insert_rows": inserted}


# --- The run --------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an already running server (default: start daphne on a free port)")
    parser.add_argument("--write-key", help="write key of a source on that server (required with --url)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, one process each (default 8)")
    parser.add_argument("--seconds", type=float, default=20, help="measured duration (default 20)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up before measuring, not counted (default 3)")
    parser.add_argument("--batch-size", type=int, default=100, help="events per /v1/batch request (default 100)")
    parser.add_argument("--users", type=int, default=20_000, help="size of the known userId pool (default 20000)")
    parser.add_argument(
        "--phases",
        default="new,known",
        help="which loads to run, in order: new (every event from a profile not seen before), known (a pool of"
        " existing profiles); default new,known",
    )
    parser.add_argument("--raw-seconds", type=float, default=5, help="duration of the raw insert yardstick, 0 skips")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for our own server, e.g. DATABASE_POOL_SIZE=20 (repeatable)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the run's source and events (default: delete)")
    args = parser.parse_args()
    if args.url:
        if not args.write_key:
            parser.error("--write-key is required with --url")
        if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
            parser.error("--url must point at 127.0.0.1 or localhost: this benchmark only loads the local machine")
    if args.clients < 1 or args.seconds <= 0 or args.warmup < 0 or not 1 <= args.batch_size <= 1000:
        parser.error("need --clients >= 1, --seconds > 0, --warmup >= 0 and 1 <= --batch-size <= 1000")
    args.phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    if not args.phases or set(args.phases) - {"new", "known"}:
        parser.error("--phases takes new, known or both, separated by a comma")
    return args


def ensure_known_users(users: int) -> None:
    """Create the userId pool's profiles that do not exist yet, so the known phase only meets known people."""
    execute(
        "INSERT INTO journeys_customer (external_id, email, phone, timezone, attributes, consent, created_at,"
        " updated_at) SELECT unnest(%s::text[]), '', '', '', '{}', '{}', now(), now()"
        " ON CONFLICT (external_id) DO NOTHING",
        [user_pool(users)],
    )


def run_load(args, url: str, write_key: str, source_id: int, new_users_prefix: str | None = None) -> dict:
    """Start the clients, measure committed events over the window, collect their latencies."""
    context = multiprocessing.get_context("spawn")  # a fork would copy Django's open connections
    go, window, results = context.Event(), context.Array("d", 2, lock=False), context.Queue()
    clients = [
        context.Process(
            target=client_main,
            args=(index, url, write_key, args.batch_size, args.users, new_users_prefix, go, window, results),
            daemon=True,
        )
        for index in range(args.clients)
    ]
    for client in clients:
        client.start()
    try:
        for _ in clients:
            results.get(timeout=60)
        now = time.monotonic()
        window[0], window[1] = now + args.warmup, now + args.warmup + args.seconds
        log(f"{args.clients} clients posting batches of {args.batch_size}; warm-up {args.warmup:g} s")
        go.set()
        time.sleep(max(0.0, window[0] - time.monotonic()))
        count_started, start_count = time.monotonic(), count_events(source_id)
        log(f"measuring for {args.seconds:g} s ({start_count:,} events committed during warm-up)")
        while (remaining := window[1] - time.monotonic()) > 0:
            time.sleep(min(5.0, remaining))
            if window[1] - time.monotonic() > 1:
                so_far = count_events(source_id) - start_count
                log(f"  {time.monotonic() - count_started:5.1f} s: {so_far:,} events committed")
        count_ended, end_count = time.monotonic(), count_events(source_id)
        outcomes, first_errors = [], []
        for _ in clients:
            message = results.get(timeout=HTTP_TIMEOUT_SECONDS + 30)
            outcomes.append(message[2])
            if message[3]:
                first_errors.append(message[3])
        for client in clients:
            client.join(timeout=10)
    finally:
        for client in clients:
            if client.is_alive():
                client.terminate()
    latencies = sorted(value for outcome in outcomes for value in outcome["latencies"])
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        for status, number in outcome["statuses"].items():
            statuses[status] = statuses.get(status, 0) + number
    measured = count_ended - count_started
    requests = sum(statuses.values())
    committed = end_count - start_count
    return {
        "events_per_s": round(committed / measured),
        "p50_ms": _round(percentile(latencies, 0.50)),
        "p90_ms": _round(percentile(latencies, 0.90)),
        "p99_ms": _round(percentile(latencies, 0.99)),
        "max_ms": _round(latencies[-1] if latencies else None),
        "requests": requests,
        "requests_per_s": round(requests / measured, 1),
        "ok": statuses.get("200", 0),
        "errors": sum(outcome["errors"] for outcome in outcomes),
        "throttled": statuses.get("429", 0),
        "statuses": statuses,
        "events_committed": committed,
        "events_accepted": sum(outcome["accepted"] for outcome in outcomes),
        "seconds": round(measured, 2),
        "first_errors": first_errors[:3],
    }


def _redacted(setting: str) -> str:
    name, _, value = setting.partition("=")
    secret = any(word in name.upper() for word in ("SECRET", "PASSWORD", "KEY", "TOKEN", "URL"))
    return f"{name}=***" if secret and value else setting


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def main() -> None:
    args = parse_args()
    # `timeout` and kill send SIGTERM: unwind through the finally blocks, which stop our server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    os.chdir(BASE_DIR)
    # The server runs as in production (DEBUG off: no query log, no debug checks), on plain HTTP
    # over loopback; --server-env DEBUG=1 measures the development set-up instead.
    server_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    for item in args.server_env:
        name, _, value = item.partition("=")
        server_env[name] = value
    database = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"
    server = None
    created_source = source_id = None
    # The profiles the new phase creates are this run's own, removed at the end like its events.
    new_users_prefix = f"bench-new-{datetime.now(UTC):%Y%m%d%H%M%S}-{os.getpid()}-"
    try:
        if args.url:
            url, write_key = args.url.rstrip("/"), args.write_key
            setup_django()
        else:
            if database == "embedded":
                use_bench_database(server_env)
            log(f"database: {database}; migrating")
            manage(["migrate", "--noinput"], server_env)
            name = f"bench-{datetime.now(UTC):%Y%m%d-%H%M%S}-{os.getpid()}"
            write_key = manage(["create_source", name], server_env).strip().splitlines()[-1]
            created_source = name
            setup_django()
            server = Server(server_env)
            log(f"starting {' '.join(server.command[1:])} (log: {server.log_file.name})")
            server.wait_until_ready()
            url = server.url

        from journeys.models.customers import hash_write_key

        row = query_one("SELECT id FROM journeys_source WHERE write_key_hash = %s", [hash_write_key(write_key)])
        if row is None:
            sys.exit("that write key is unknown to the database this bench reaches: is the server on the same one?")
        source_id = row[0]
        load_start = os.getloadavg()[0]
        if "known" in args.phases:
            ensure_known_users(args.users)
        figures = {}
        for phase in args.phases:
            log(f"phase {phase!r}: events of {'new profiles' if phase == 'new' else 'known profiles'}")
            phase_figures = run_load(
                args, url, write_key, source_id, new_users_prefix=new_users_prefix if phase == "new" else None
            )
            log(
                f"HTTP ({phase}): {phase_figures['events_per_s']:,} events/s committed,"
                f" p50 {phase_figures['p50_ms']} ms, p99 {phase_figures['p99_ms']} ms,"
                f" {phase_figures['requests']} requests, {phase_figures['errors']} errors,"
                f" {phase_figures['throttled']} throttled"
            )
            for problem in phase_figures["first_errors"]:
                log(f"  first error seen by a client: {problem}")
            if server and (phase_figures["errors"] or phase_figures["first_errors"]):
                server.keep_log = True
                log(f"server log tail ({server.log_file.name}):\n{server.log_tail()}")
            figures[f"events_per_s_{phase}"] = phase_figures.pop("events_per_s")
            figures[phase] = phase_figures
        if server:
            server.stop()  # frees the CPU for the yardstick
        raw = {"raw_insert_per_s": None}
        if args.raw_seconds > 0:
            log(f"raw psycopg insert into a scratch copy of journeys_event for {args.raw_seconds:g} s")
            raw = raw_insert_rate(
                source_id=source_id, users=args.users, batch_size=args.batch_size, seconds=args.raw_seconds
            )
            log(f"raw: {raw['raw_insert_per_s']} rows/s")
        result = {
            **figures,
            **raw,
            "clients": args.clients,
            "batch_size": args.batch_size,
            "users": args.users,
            "warmup_seconds": args.warmup,
            "database": database,
            "server": f"daphne (own, DEBUG={server_env['DEBUG']})" if server else url,
            "server_env": [_redacted(item) for item in args.server_env],
            "database_name": query_one("SELECT current_database()")[0],
            "postgres": query_one("SHOW server_version")[0],
            "cpus": os.cpu_count(),
            "loadavg_1m_before": round(load_start, 2),
            "loadavg_1m_after": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        }
        print(json.dumps(result), flush=True)
    finally:
        if server:
            server.stop()
        if source_id is not None and created_source and not args.keep_data:
            # A table that grows run after run makes later runs slower (bigger indexes), so each run
            # removes its rows; the bench-user-* profiles stay, and the next run reuses them.
            if query_one("SELECT to_regclass('journeys_engineinbox')")[0]:
                # No engine runs here, so the run's events still wait in its inbox.
                execute(
                    "DELETE FROM journeys_engineinbox"
                    " WHERE event_id IN (SELECT id FROM journeys_event WHERE source_id = %s)",
                    [source_id],
                )
            deleted = execute("DELETE FROM journeys_event WHERE source_id = %s", [source_id])
            execute("DELETE FROM journeys_source WHERE id = %s", [source_id])
            # LIKE's wildcards: the prefix holds digits and dashes only.
            profiles = execute("DELETE FROM journeys_customer WHERE external_id LIKE %s", [new_users_prefix + "%"])
            log(
                f"deleted source {created_source!r}, its {deleted:,} events and the {profiles:,} profiles"
                " of the new phase (--keep-data keeps them)"
            )


if __name__ == "__main__":
    main()
