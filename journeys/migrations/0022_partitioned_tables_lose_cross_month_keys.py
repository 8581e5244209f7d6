"""Before the big tables are partitioned (0023): drop what cannot span months.

- The event log's unique (source, message id) moves to EventReceipt, filled here with the ids
  seen in the dedupe window, so a resend is refused the moment the old key goes.
- Deliveries' unique (enrollment, node, visit) goes; the engine checks it under the
  enrollment's row lock (engine.batch), helped by the plain index `delivery_visit`, which
  0023 builds on the partitioned table (building it here would lock the old one).
- Foreign keys from the partitioned tables, and to deliveries, leave the database (Django's
  cascades stay): a dropped month would otherwise lock the tables they point at.
- The event log's index on the customer alone goes: event_customer_time starts with it.
- NodeStatTotal.retired keeps the counts of hours retention drops.
"""

import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models


def remember_recent_message_ids(apps, schema_editor):
    from django.conf import settings

    schema_editor.execute(
        "INSERT INTO journeys_eventreceipt (source_id, message_id, received_at)"
        " SELECT source_id, message_id, max(received_at) FROM journeys_event"
        " WHERE received_at >= now() - make_interval(days => %s) GROUP BY source_id, message_id"
        " ON CONFLICT DO NOTHING",
        [settings.EVENT_DEDUPE_DAYS],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('journeys', '0021_merge_the_parallel_work'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventReceipt',
            fields=[
                ('pk', models.CompositePrimaryKey('source_id', 'message_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('source_id', models.BigIntegerField()),
                ('message_id', models.CharField(max_length=255)),
                ('received_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(remember_recent_message_ids, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='delivery',
            name='delivery_once_per_visit',
        ),
        migrations.RemoveConstraint(
            model_name='event',
            name='event_unique_message_per_source',
        ),
        migrations.AddField(
            model_name='nodestattotal',
            name='retired',
            field=models.BigIntegerField(db_default=0, default=0, help_text='Counted in hours retention has dropped.'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='customer',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='journeys.customer'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='enrollment',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='journeys.enrollment'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='journey',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='journeys.journey'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='template',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='journeys.messagetemplate'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='version',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='journeys.journeyversion'),
        ),
        migrations.AlterField(
            model_name='event',
            name='customer',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='journeys.customer'),
        ),
        migrations.AlterField(
            model_name='event',
            name='source',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='journeys.source'),
        ),
        migrations.AlterField(
            model_name='inappmessage',
            name='delivery',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='in_app_message', to='journeys.delivery'),
        ),
        migrations.AlterField(
            model_name='nodestat',
            name='journey',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='node_stats', to='journeys.journey'),
        ),
        migrations.AlterField(
            model_name='step',
            name='enrollment',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='journeys.enrollment'),
        ),
        migrations.AlterField(
            model_name='suppression',
            name='delivery',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='journeys.delivery'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='delivery',
                    index=models.Index(fields=['enrollment', 'node_id', 'visit'], name='delivery_visit'),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='eventreceipt',
            index=django.contrib.postgres.indexes.BrinIndex(fields=['received_at'], name='eventreceipt_received_brin'),
        ),
    ]
