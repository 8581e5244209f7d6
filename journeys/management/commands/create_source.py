from django.core.management.base import BaseCommand, CommandError

from journeys.models import Source


class Command(BaseCommand):
    help = "Create an event source and print its write key (shown only this once) as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name people recognise, e.g. 'Website' or 'iOS app'.")

    def handle(self, *args, name, **options):
        name = name.strip()
        if not name:
            raise CommandError("The source needs a name.")
        max_length = Source._meta.get_field("name").max_length
        if len(name) > max_length:
            raise CommandError(f"The name must be at most {max_length} characters.")
        if Source.objects.filter(name=name).exists():
            raise CommandError(f"A source named {name!r} already exists; rotate its key in admin instead.")
        source = Source(name=name)
        write_key = source.set_new_write_key()
        source.save()
        self.stderr.write(f"Created source {name!r}. Its write key follows; store it now, it is not shown again.")
        self.stdout.write(write_key)
