"""Partition the event log, step log, deliveries and hourly counters by month (journeys.retention).

Not atomic: each table is copied in committed batches while writes go on, then swapped under a
short lock (journeys/retention/convert.py, docs/retention.md). Also schedules the daily
maintenance that makes months ahead and drops those past retention.

Going back is not supported: the partitioned tables work with the earlier code as they are,
except for the unique keys 0022 removed.
"""

from django.conf import settings
from django.db import migrations

DELIVERY_VISIT_INDEX = "CREATE INDEX delivery_visit ON journeys_delivery (enrollment_id, node_id, visit)"


def partition_tables(apps, schema_editor):
    from journeys.retention.convert import convert
    from journeys.retention.tables import TABLES

    for spec in TABLES:
        convert(spec, ahead=settings.PARTITIONS_AHEAD_MONTHS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('delivery_visit') IS NULL")
        if cursor.fetchone()[0]:
            cursor.execute(DELIVERY_VISIT_INDEX)


def schedule_maintenance(apps, schema_editor):
    from datetime import timedelta

    from django.utils import timezone

    # Daily at 03:00 UTC, when traffic is usually lowest: a drop's brief lock and the disk work
    # of removing a month's files are then felt least. The next month is already made, so the
    # first run can wait for that hour.
    now = timezone.now()
    next_run = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if next_run <= now:
        next_run += timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="Partition maintenance",
        defaults={
            "func": "journeys.retention.tasks.maintain_partitions",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": next_run,
        },
    )


def unschedule_maintenance(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="Partition maintenance").delete()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0022_partitioned_tables_lose_cross_month_keys"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(partition_tables, migrations.RunPython.noop),
        migrations.RunPython(schedule_maintenance, unschedule_maintenance),
    ]
