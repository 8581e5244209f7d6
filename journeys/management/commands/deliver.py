import signal
import threading

from django.core.management.base import BaseCommand

from journeys.delivery.loop import run_deliveries


class Command(BaseCommand):
    help = (
        "Send queued deliveries until stopped: woken by the engine as it queues them, polling for held ones "
        "about every second; reconnects when the database goes away. Any number may run at once."
    )

    def handle(self, *args, **options):
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        run_deliveries(stop=stopping.is_set)
