import random
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from journeys import roles
from journeys.demo import (
    DEMO_JOURNEYS,
    DEMO_PHONE_SHARE,
    demo_consent_traits,
    demo_journeys_seed,
    demo_prediction_seed,
)
from journeys.engine.events import process_events
from journeys.ingest.messages import parse_messages
from journeys.ingest.services import events_ingest
from journeys.models import Source

# Demo only: documented in README.md so a newcomer can log in. Never use these elsewhere.
DEMO_USERS = [
    ("marketer", "marketer-demo", roles.MARKETERS, False),
    ("reviewer", "reviewer-demo", roles.REVIEWERS, False),
    ("admin", "admin-demo", roles.ADMINS, True),
]
DEMO_SOURCE = "Demo website"
DEMO_WRITE_KEY = "demo-write-key"
DEMO_CUSTOMERS = 200
PLANS = ["free", "pro", "team"]
PRODUCTS = ["Running shoes", "Rain jacket", "Water bottle", "Headlamp", "Trail socks"]


class Command(BaseCommand):
    help = (
        "Create the demo users, source, customers, events and live demo journeys. "
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            self._users()
            source = self._source()
        messages = self._demo_messages()
        parsed, errors = parse_messages(messages, received_at=timezone.now(), max_message_bytes=32 * 1024)
        if errors:
            raise CommandError(f"demo messages failed validation: {errors[0].as_dict()}")
        result = events_ingest(source_id=source.id, messages=parsed, received_at=timezone.now())
        if result.accepted:
            self._apply_history()
        created = demo_journeys_seed(user=User.objects.get(username="marketer"))
        self.stdout.write(f"Demo data ready: {result.accepted} new events, {result.duplicates} already there.")
        self.stdout.write(
            f"Demo journeys: {len(created)} published, {len(DEMO_JOURNEYS) - len(created)} already there"
            " (send them customers with `manage.py demo_traffic`)."
        )
        run = demo_prediction_seed(user=User.objects.get(username="marketer"))
        if run is not None:
            self.stdout.write(f"Demo prediction: training {run.status}{f' ({run.error})' if run.error else ''}.")

    def _apply_history(self):
        """Let the engine take in the seeded history before the demo journeys go live.

        Otherwise the first engine pass would read four weeks of old baskets as if they had just
        been abandoned. The history still counts where it should: conditions read the event table.
        """
        while process_events():
            pass

    def _users(self):
        for username, password, role, is_admin in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            if created:
                user.set_password(password)
            user.is_staff = is_admin
            user.is_superuser = is_admin
            user.save()
            # get_or_create: a database flushed by tests has no groups until migrations run again.
            user.groups.add(Group.objects.get_or_create(name=role)[0])

    def _source(self) -> Source:
        source = Source.objects.filter(name=DEMO_SOURCE).first()
        if source is None:
            source = Source(name=DEMO_SOURCE)
            source.set_write_key(DEMO_WRITE_KEY)
            source.save()
        return source

    def _demo_messages(self) -> list[dict]:
        """Identify calls and a few weeks of shopping events, the same every run (fixed seed and message ids)."""
        rng = random.Random(20261125)
        # Its own sequence, so adding consent left the customers' plans and histories as they were.
        consent_rng = random.Random(20261206)
        # Its own sequence too: how keen each customer is, which makes them order more often, before
        # and after the demo prediction's cut-off, so its model has something true to find.
        keen_rng = random.Random(20261207)
        start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=28)
        messages = []
        for number in range(1, DEMO_CUSTOMERS + 1):
            user_id = f"demo-{number:04d}"
            messages.append(
                {
                    "type": "identify",
                    "userId": user_id,
                    "messageId": f"{user_id}-identify",
                    "timestamp": start.isoformat(),
                    "traits": {
                        "email": f"{user_id}@example.com",
                        "first_name": rng.choice(["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken"]),
                        "plan": rng.choice(PLANS),
                        "timezone": rng.choice(["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"]),
                    },
                }
            )
            messages.append(self._consent_message(user_id, consent_rng, start))
            keen = keen_rng.random() ** 2
            visits = rng.randint(0, 6) + round(keen * 10)
            for visit in range(visits):
                when = start + timedelta(days=rng.uniform(0, 27))
                product = rng.choice(PRODUCTS)
                browsing = rng.choice(["Product Viewed", "Product Added"])
                ordered = keen_rng.random() < 0.05 + 0.5 * keen
                messages.append(
                    {
                        "type": "track",
                        "userId": user_id,
                        "event": "Order Completed" if ordered else browsing,
                        "messageId": f"{user_id}-event-{visit}",
                        "timestamp": when.isoformat(),
                        "properties": {"product": product, "price": rng.choice([9.5, 24, 59, 120])},
                    }
                )
        return messages

    @staticmethod
    def _consent_message(user_id: str, rng: random.Random, start) -> dict:
        """A second identify with the customer's phone and consent, as a sign-up form's answers would come.

        A message of its own (with its own id) so a database seeded before consent existed gets it too.
        """
        traits = demo_consent_traits(rng)
        if rng.random() < DEMO_PHONE_SHARE:
            traits["phone"] = f"+1555{rng.randint(0, 9_999_999):07d}"
        return {
            "type": "identify",
            "userId": user_id,
            "messageId": f"{user_id}-consent",
            "timestamp": start.isoformat(),
            "traits": traits,
        }
