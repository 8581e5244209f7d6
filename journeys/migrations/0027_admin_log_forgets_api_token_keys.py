"""Django admin's log named API tokens by their keys; rename those entries (journeys/admin.py)."""

from django.db import migrations


def forget_token_keys(apps, schema_editor):
    LogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    # DRF's admin worked on TokenProxy; Token is listed too in case an entry was made for it. No
    # dependency on DRF's authtoken app: it has since given way to knox (migration 0029).
    token_types = ContentType.objects.filter(app_label="authtoken", model__in=["token", "tokenproxy"])
    LogEntry.objects.filter(content_type__in=token_types).update(object_repr="API token")


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0026_experiments_of_published_splits"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forget_token_keys, migrations.RunPython.noop)]
