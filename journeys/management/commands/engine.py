import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from journeys.engine.loop import run_engine_forever


class Command(BaseCommand):
    help = (
        "Run an engine loop until stopped: it takes the first free engine slot (ENGINE_LOOPS of them) or "
        "stands by until one is free, and reconnects when the database goes away."
    )

    def handle(self, *args, **options):
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        run_engine_forever(stop=stopping.is_set, slots=settings.ENGINE_LOOPS)
