"""Send a steady trickle of realistic events to /v1/batch, so the demo journeys have customers to move.

It talks to the server only through the public HTTP endpoint, exactly as a Segment SDK would,
and only to the URL it is given: load for a local demo, never for someone else's server.
"""

import base64
import heapq
import ipaddress
import itertools
import json
import random
import signal
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from journeys.demo import demo_consent_traits
from journeys.management.commands.seed_demo import DEMO_CUSTOMERS, DEMO_WRITE_KEY, PLANS, PRODUCTS

FIRST_NAMES = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger"]
REGIONS = ["north", "south", "east", "west"]
ARTICLES = {
    "mortgage": ["Fixed or variable?", "How much can I borrow?", "First-time buyer checklist", "Remortgaging 101"],
    "savings": ["Saving for a rainy day", "ISAs explained", "Compound interest, simply"],
}
# Some demo customers behave in a way that carries them through a journey within minutes.
REGULARS = [f"demo-{n:04d}" for n in range(1, 13)]  # order often: the loyalty reward at the fifth order
HOUSE_HUNTERS = [f"demo-{n:04d}" for n in range(13, 21)]  # read about mortgages: the loan offer
RETRY_AFTER_MAX = 5.0
REPORT_EVERY = 30.0  # seconds between progress lines


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and literal loopback addresses (127.0.0.0/8, ::1); names are not resolved."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _message(message_type: str, user_id: str, **fields) -> dict:
    return {"type": message_type, "userId": user_id, "messageId": uuid.uuid4().hex, "timestamp": _now(), **fields}


def track(user_id: str, event: str, **properties) -> dict:
    return _message("track", user_id, event=event, properties=properties)


@dataclass
class Shoppers:
    """Invents what customers do next. Follow-ups (an order after a basket) come due later."""

    rng: random.Random
    run_id: str = field(default_factory=lambda: f"{int(time.time()):x}")
    signups: list[str] = field(default_factory=list)
    mortgage_reads: dict[str, int] = field(default_factory=dict)
    _later: list[tuple[float, int, dict]] = field(default_factory=list)
    _sequence: itertools.count = field(default_factory=itertools.count)

    def batch(self, clock: float) -> list[dict]:
        """The messages to send at monotonic time `clock`: follow-ups now due, then one to three new actions."""
        messages = []
        while self._later and self._later[0][0] <= clock:
            _due, _order, message = heapq.heappop(self._later)
            messages.append({**message, "messageId": uuid.uuid4().hex, "timestamp": _now()})
        actions = [self.sign_up, self.fill_basket, self.regular_orders, self.read_article]
        for action in self.rng.choices(actions, weights=[2, 4, 2, 3], k=self.rng.randint(1, 3)):
            messages += action(clock)
        if self.rng.random() < 0.01:
            messages += self.outage()
        return messages

    def later(self, clock: float, delay: float, message: dict) -> None:
        heapq.heappush(self._later, (clock + delay, next(self._sequence), message))

    def someone(self) -> str:
        if self.signups and self.rng.random() < 0.3:
            return self.rng.choice(self.signups[-100:])
        return f"demo-{self.rng.randint(1, DEMO_CUSTOMERS):04d}"

    def sign_up(self, clock: float) -> list[dict]:
        number = len(self.signups) + 1
        user_id = f"demo-new-{self.run_id}-{number}"
        self.signups.append(user_id)
        plan = self.rng.choice(PLANS)
        traits = {
            "email": f"{user_id}@example.com",
            "phone": f"+1555{self.rng.randint(0, 9_999_999):07d}",
            "first_name": self.rng.choice(FIRST_NAMES),
            "plan": plan,
            **demo_consent_traits(self.rng),
        }
        if self.rng.random() < 0.35:  # some order before the welcome series asks, some after
            self.later(clock, self.rng.uniform(20, 300), self._order(user_id))
        return [_message("identify", user_id, traits=traits), track(user_id, "Signed Up", plan=plan)]

    def fill_basket(self, clock: float) -> list[dict]:
        user_id = self.someone()
        product = self.rng.choice(PRODUCTS)
        price = self.rng.choice([9.5, 24, 59, 120])
        if self.rng.random() < 0.45:  # the rest abandon the basket and get reminded
            self.later(clock, self.rng.uniform(10, 420), self._order(user_id, product=product, price=price))
        return [
            track(user_id, "Product Viewed", product=product, price=price),
            track(user_id, "Product Added", product=product, price=price),
        ]

    def regular_orders(self, clock: float) -> list[dict]:
        return [self._order(self.rng.choice(REGULARS))]

    def read_article(self, clock: float) -> list[dict]:
        if self.rng.random() < 0.5:
            user_id, category = self.rng.choice(HOUSE_HUNTERS), "mortgage"
        else:
            user_id, category = self.someone(), self.rng.choice(["mortgage", "savings", "savings"])
        if category == "mortgage":
            reads = self.mortgage_reads[user_id] = self.mortgage_reads.get(user_id, 0) + 1
            if reads == 3 and self.rng.random() < 0.4:  # the offer works on some of them
                self.later(clock, self.rng.uniform(30, 240), track(user_id, "Loan Application Started"))
        return [track(user_id, "Article Read", category=category, title=self.rng.choice(ARTICLES[category]))]

    def outage(self) -> list[dict]:
        region = self.rng.choice(REGIONS)
        affected = {self.someone() for _ in range(self.rng.randint(3, 6))}
        return [track(user_id, "Outage Detected", region=region, service="broadband") for user_id in sorted(affected)]

    def _order(self, user_id: str, *, product: str | None = None, price: float | None = None) -> dict:
        product = product or self.rng.choice(PRODUCTS)
        price = price if price is not None else self.rng.choice([9.5, 24, 59, 120])
        return track(user_id, "Order Completed", product=product, total=price, currency="USD")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # Following a redirect could send the load to a host nobody checked.
        raise urllib.error.HTTPError(req.full_url, code, f"refusing to follow a redirect to {newurl}", headers, fp)


class Command(BaseCommand):
    help = (
        "Post realistic demo events (sign-ups, baskets, orders, articles, now and then an outage) to "
        "/v1/batch about once a second, so customers move through the demo journeys. Ctrl-C stops it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The server; only loopback by default.")
        parser.add_argument("--rate", type=float, default=1.0, help="Batches per second (default 1).")
        parser.add_argument("--seconds", type=float, default=None, help="Stop after this long (default: never).")
        parser.add_argument("--write-key", default=DEMO_WRITE_KEY, help="The source's write key (the demo one).")
        parser.add_argument("--seed", type=int, default=None, help="Seed the randomness, to repeat a run.")
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print nothing while running (`serve --demo-traffic` uses it: its status line counts the events).",
        )
        parser.add_argument(
            "--allow-remote", action="store_true", help="Allow a URL whose host is not a loopback address."
        )

    def handle(self, *args, url, rate, seconds, write_key, seed, allow_remote, quiet, **options):
        self.quiet = quiet
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"--url must be an http(s) URL such as http://127.0.0.1:8000, not {url!r}")
        if not allow_remote and not is_loopback_host(parts.hostname):
            raise CommandError(
                f"refusing to send load to {parts.hostname}: not a loopback address (127.0.0.1, ::1, localhost). "
                "Pass --allow-remote if that server is yours to load."
            )
        if rate <= 0:
            raise CommandError("--rate must be more than 0")
        if seconds is not None and seconds <= 0:
            raise CommandError("--seconds must be more than 0")
        self.endpoint = f"{url.rstrip('/')}/v1/batch"
        self.authorization = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
        # No proxies from the environment and no redirects: the batches go to --url and nowhere else.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        self.stopping = False

        def stop(signum, frame):
            self.stopping = True

        previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            sent = self._run(Shoppers(random.Random(seed)), interval=1 / rate, seconds=seconds)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self._say(f"Demo traffic stopped: sent {sent} events to {self.endpoint}.")

    def _run(self, shoppers: Shoppers, *, interval: float, seconds: float | None) -> int:
        started = time.monotonic()
        deadline = started + seconds if seconds is not None else None
        next_batch = started
        next_report = started + REPORT_EVERY
        sent = 0
        unsent: list[dict] = []
        waiting_for_server = False
        self._say(f"Sending demo events to {self.endpoint}, {1 / interval:g} batches a second. Ctrl-C stops.")
        while not self.stopping:
            clock = time.monotonic()
            if deadline is not None and clock >= deadline:
                break
            if clock < next_batch:
                self._sleep(min(next_batch, deadline or next_batch) - clock)
                continue
            # A batch that failed is sent again as it was: its message ids make a repeat harmless.
            batch = unsent or shoppers.batch(clock)
            delay = self._post(batch)
            if delay is None:
                sent += len(batch)
                unsent = []
                if waiting_for_server:
                    self._say("The server answers; sending.")
                    waiting_for_server = False
                next_batch = max(next_batch + interval, clock)
            else:
                if not waiting_for_server:
                    self._say(f"Waiting for {self.endpoint} ...")
                    waiting_for_server = True
                unsent = batch
                next_batch = clock + delay
            if clock >= next_report:
                self._say(f"Sent {sent} events so far.")
                next_report = clock + REPORT_EVERY
        return sent

    def _say(self, line: str) -> None:
        if not self.quiet:
            self.stdout.write(line)

    def _post(self, batch: list[dict]) -> float | None:
        """Send one batch; None when it was taken, else how long to wait before trying it again."""
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps({"batch": batch, "sentAt": _now()}).encode(),
            headers={"Content-Type": "application/json", "Authorization": self.authorization},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                response.read()
            return None
        except urllib.error.HTTPError as error:
            if error.code == 401:
                raise CommandError(
                    f"{self.endpoint} does not accept the write key: run `manage.py seed_demo` first "
                    "(or pass the key of one of your sources with --write-key)"
                ) from None
            if error.code == 429 or error.code >= 500:
                retry_after = error.headers.get("Retry-After", "")
                return min(float(retry_after), RETRY_AFTER_MAX) if retry_after.isdigit() else 1.0
            raise CommandError(f"{self.endpoint} refused a batch: HTTP {error.code} {error.read()[:300]!r}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 1.0  # not up yet (serve starts this alongside the web server), or restarting

    def _sleep(self, seconds: float) -> None:
        # Short naps, so a stop signal is noticed within a tenth of a second.
        end = time.monotonic() + max(seconds, 0)
        while not self.stopping and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))
