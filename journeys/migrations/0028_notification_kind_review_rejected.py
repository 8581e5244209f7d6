"""Rejection notifications were stored with the kind "review_rejectd"; they are "review_rejected" now."""

from django.db import migrations


def rename(apps, schema_editor):
    apps.get_model("journeys", "Notification").objects.filter(kind="review_rejectd").update(kind="review_rejected")


def rename_back(apps, schema_editor):
    apps.get_model("journeys", "Notification").objects.filter(kind="review_rejected").update(kind="review_rejectd")


class Migration(migrations.Migration):
    dependencies = [("journeys", "0027_admin_log_forgets_api_token_keys")]

    operations = [migrations.RunPython(rename, rename_back)]
