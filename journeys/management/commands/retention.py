"""`manage.py retention`: what each partitioned table keeps; `manage.py retention run`: maintain now."""

import json

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from journeys.retention.partitions import maintain
from journeys.retention.status import retention_status


class Command(BaseCommand):
    help = "Show what each partitioned table keeps; `run` makes months ahead and drops those past retention."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=("status", "run"), default="status")

    def handle(self, *args, action: str, **options):
        if action == "run":
            self.stdout.write(json.dumps(maintain(), default=str))
            return
        for table in retention_status():
            kept = f"{table.retention_days} days" if table.retention_days else "forever"
            oldest = table.oldest.isoformat(timespec="minutes") if table.oldest else "no rows"
            if not table.partitioned:
                next_drop = "not partitioned"
            elif table.next_drop and table.next_drop.drops_at:
                next_drop = f"{table.next_drop.lower:%Y-%m} on {table.next_drop.drops_at:%Y-%m-%d}"
            else:
                next_drop = "never"
            self.stdout.write(
                f"{table.table}: {filesizeformat(table.bytes)}, {len(table.partitions)} partitions, kept {kept},"
                f" oldest {oldest}, next drop {next_drop}"
            )
