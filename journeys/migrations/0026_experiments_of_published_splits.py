"""Give every split of a published journey its experiment record, as publishing now does.

Before, the record was made when someone first opened the split's report. Historical models send
no audit signals, so nothing is recorded for rows made here.
"""

from django.db import migrations


def create_missing_experiments(apps, schema_editor):
    Journey = apps.get_model("journeys", "Journey")
    Experiment = apps.get_model("journeys", "Experiment")
    published = Journey.objects.exclude(current_version=None).select_related("current_version")
    for journey in published.iterator():
        for node in (journey.current_version.graph or {}).get("nodes", []):
            if (node.get("data") or {}).get("kind") == "split":
                Experiment.objects.get_or_create(journey=journey, node_id=node["id"])


class Migration(migrations.Migration):
    dependencies = [("journeys", "0025_prediction_scores_without_database_constraints")]

    operations = [migrations.RunPython(create_missing_experiments, migrations.RunPython.noop)]
