from django.core.management.base import BaseCommand

from journeys.delivery.loop import run_deliveries
from journeys.supervisor import stop_on_signals


class Command(BaseCommand):
    help = (
        "Send queued deliveries until stopped: woken by the engine as it queues them, polling for held ones "
        "about every second; reconnects when the database goes away. Any number may run at once."
    )

    def handle(self, *args, **options):
        stopping = stop_on_signals()
        run_deliveries(stop=stopping.is_set)
