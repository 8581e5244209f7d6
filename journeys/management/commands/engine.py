from django.conf import settings
from django.core.management.base import BaseCommand

from journeys.engine.loop import run_engine_forever
from journeys.supervisor import stop_on_signals


class Command(BaseCommand):
    help = (
        "Run an engine loop until stopped: it takes the first free engine slot (ENGINE_LOOPS of them) or "
        "stands by until one is free, and reconnects when the database goes away."
    )

    def handle(self, *args, **options):
        stopping = stop_on_signals()
        run_engine_forever(stop=stopping.is_set, slots=settings.ENGINE_LOOPS)
