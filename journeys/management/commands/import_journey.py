import sys

from django.core.management.base import BaseCommand, CommandError

from journeys.input import InputError, parse
from journeys.services import JourneyError, journey_import


class Command(BaseCommand):
    help = "Create a draft journey from a file written by export_journey (or '-' for stdin); prints its id last."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the exported JSON, or - to read standard input.")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} is not UTF-8 text ({error.reason} at byte {error.start}).") from None
        try:
            data = parse(text)  # journey_import checks what was parsed
        except InputError as error:
            raise CommandError(f"{file} is {error}") from None
        try:
            journey = journey_import(data=data)
        except JourneyError as error:
            raise CommandError(f"{file} cannot be imported: {error}") from None
        self.stderr.write(f"Imported {journey.name!r} as a draft journey; validate and publish it before use.")
        self.stdout.write(str(journey.pk))
