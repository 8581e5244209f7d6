import json

from django.core.management.base import BaseCommand, CommandError

from journeys.models import Journey
from journeys.services import journey_export


class Command(BaseCommand):
    help = "Print a journey's draft graph and settings as JSON (the format import_journey and the API read)."

    def add_arguments(self, parser):
        parser.add_argument("journey_id", type=int, help="The journey's id.")
        parser.add_argument("--output", "-o", help="Write to this file instead of printing.")

    def handle(self, *args, journey_id, output, **options):
        try:
            journey = Journey.objects.get(pk=journey_id)
        except Journey.DoesNotExist:
            raise CommandError(f"There is no journey with id {journey_id}.") from None
        text = json.dumps(journey_export(journey=journey), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        self.stderr.write(f"Wrote journey {journey.name!r} to {output}.")
