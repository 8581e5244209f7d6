"""Register the periodic jobs with django-q2's scheduler, each once a minute.

The engine loops themselves run continuously (journeys.tasks.engine_loop hands over to a
fresh task every minute); the watchdog only restarts a loop whose worker died.
"""

from django.db import migrations
from django.utils import timezone

JOBS = [
    ("Engine watchdog", "journeys.tasks.engine_watchdog"),
    ("Send queued deliveries", "journeys.tasks.deliveries_send_queued"),
    ("Scheduled audience entries", "journeys.tasks.audiences_run_scheduled"),
]


def add_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in JOBS:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1, "next_run": timezone.now()},
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, _ in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0003_journeys_and_engine"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
