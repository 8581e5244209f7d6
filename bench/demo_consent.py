"""How many demo messages go out: seed the demo, play demo traffic on a simulated clock, count outcomes.

    .venv/bin/python bench/demo_consent.py --minutes 10             # the demo as seeded now
    .venv/bin/python bench/demo_consent.py --minutes 10 --no-consent  # as before consent was seeded

Runs in the benchmarks' own database (bench/common.py). The traffic is `demo_traffic`'s own
generator (Shoppers), fed straight to ingestion rather than over HTTP, and time moves one
simulated second per batch so the demo journeys' waits of minutes pass in seconds. `--no-consent`
drops the consent and phone traits the demo now sends, which is the demo as it was. Prints one
JSON line: deliveries by status and skip reason, and the share sent.
"""

import argparse
import json
import random
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import reset_bench_database, use_bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="Simulated minutes of demo traffic.")
    parser.add_argument("--no-consent", action="store_true", help="Seed and send no consent or phone traits.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    label = use_bench_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    import journeys.demo
    import journeys.management.commands.demo_traffic as demo_traffic
    import journeys.management.commands.seed_demo as seed_demo
    from journeys.delivery import deliveries_send
    from journeys.demo import DEMO_JOURNEYS
    from journeys.engine.events import process_events
    from journeys.engine.tick import tick
    from journeys.ingest.messages import parse_messages
    from journeys.ingest.services import events_ingest
    from journeys.models import Delivery, Journey, Source

    reset_bench_database(label)
    Journey.objects.filter(name__in=[demo.name for demo in DEMO_JOURNEYS]).delete()
    if args.no_consent:
        no_traits = lambda rng: {}  # noqa: E731
        demo_traffic.demo_consent_traits = no_traits
        seed_demo.demo_consent_traits = no_traits
        seed_demo.DEMO_PHONE_SHARE = 0.0
        journeys.demo.demo_consent_traits = no_traits
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    source = Source.objects.get(name=seed_demo.DEMO_SOURCE)
    shoppers = demo_traffic.Shoppers(random.Random(args.seed))
    if args.no_consent:
        original = shoppers.sign_up

        def sign_up_without_phone(clock):
            messages = original(clock)
            messages[0]["traits"].pop("phone", None)  # the sign-ups' identify, as it was
            return messages

        shoppers.sign_up = sign_up_without_phone
    start = timezone.now()
    for second in range(int(args.minutes * 60)):
        now = start + timedelta(seconds=second)
        raw = shoppers.batch(float(second))
        parsed, _errors = parse_messages(raw, received_at=now, max_message_bytes=32 * 1024)
        events_ingest(source_id=source.id, messages=parsed, received_at=now)
        while process_events(now=now) + tick(now=now).claimed:
            pass
        while deliveries_send(now=now):
            pass

    statuses = Counter(Delivery.objects.values_list("status", flat=True))
    reasons = Counter(Delivery.objects.filter(status="skipped").values_list("skip_reason", flat=True))
    decided = sum(count for status, count in statuses.items() if status not in ("queued", "sending"))
    sent = sum(statuses[status] for status in ("sent", "delivered", "bounced"))
    print(
        json.dumps(
            {
                "benchmark": "demo_consent",
                "consent_seeded": not args.no_consent,
                "simulated_minutes": args.minutes,
                "deliveries": sum(statuses.values()),
                "by_status": dict(statuses),
                "skipped_by_reason": dict(reasons),
                "sent_share_of_decided": round(sent / decided, 3) if decided else None,
            }
        )
    )


if __name__ == "__main__":
    main()
