"""The engine and delivery loops became supervised processes: drop their django-q2 schedules.

`manage.py serve` runs `manage.py engine` and `manage.py deliver` and restarts them when they
die, so the one-minute watchdog and the one-minute delivery sweep have nothing left to do.
Going back restores both schedules as 0004 made them.
"""

from django.db import migrations
from django.utils import timezone

JOBS = [
    ("Engine watchdog", "journeys.tasks.engine_watchdog"),
    ("Send queued deliveries", "journeys.tasks.deliveries_send_queued"),
]


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[func for _, func in JOBS]).delete()


def restore_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in JOBS:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1, "next_run": timezone.now()},
        )


class Migration(migrations.Migration):
    dependencies = [("journeys", "0011_pages_node_stat_totals")]

    operations = [migrations.RunPython(remove_schedules, restore_schedules)]
