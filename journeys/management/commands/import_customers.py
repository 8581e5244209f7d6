import csv
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from journeys.customers import CustomerImportError, customers_upsert, parse_customer_row

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = (
        "Create or update customers from a CSV file, matched by external_id (or user_id). Columns email, phone, "
        "timezone and consent_<channel> (subscribed/unsubscribed/not_asked, or yes/no) fill those fields;"
        " every other column becomes an attribute."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a UTF-8 CSV file with a header row.")

    def handle(self, *args, file, **options):
        try:
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        failures = imported = 0
        source_name = f"file {os.path.basename(file)}"  # recorded on each consent change it makes
        with handle, tqdm(desc="Importing", unit=" rows", file=sys.stderr, disable=None) as progress:
            reader = csv.DictReader(handle)
            try:
                fieldnames = reader.fieldnames  # reads, and so decodes, the start of the file
            except (csv.Error, UnicodeDecodeError) as error:
                raise CommandError(f"{file} cannot be read as CSV ({error})") from None
            if not fieldnames:
                raise CommandError(f"{file} is empty: the first row must name the columns.")
            batch = []
            try:
                for row in reader:
                    progress.update(1)
                    try:
                        batch.append(parse_customer_row(row))
                    except CustomerImportError as error:
                        failures += 1
                        self.stderr.write(f"line {reader.line_num}: {error}")
                    if len(batch) >= BATCH_SIZE:
                        imported += customers_upsert(rows=batch, source_name=source_name)
                        batch = []
            except (csv.Error, UnicodeDecodeError) as error:
                failures += 1
                self.stderr.write(f"line {reader.line_num}: the file cannot be read as CSV ({error})")
            imported += customers_upsert(rows=batch, source_name=source_name)
        self.stdout.write(f"Imported {imported} customers; {failures} rows failed.")
        if failures:
            raise CommandError(f"{failures} rows failed; see the lines reported above.")
