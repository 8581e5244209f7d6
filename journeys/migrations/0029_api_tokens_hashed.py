"""API tokens move from DRF's authtoken (keys stored as they are) to django-rest-knox (SHA-512 digests).

An install that had DRF's tokens keeps them working: each key is hashed into knox's table, then
DRF's table, and with it every stored key, is dropped. Django's record of DRF's authtoken
migrations goes too, as the app is no longer installed. A fresh install has nothing to move.
"""

from django.db import migrations
from knox.crypto import hash_token
from knox.settings import CONSTANTS

DRF_TOKENS = "authtoken_token"


def move_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TOKENS not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {DRF_TOKENS}")
        rows = [(hash_token(key), key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id, created) for key, user_id, created in cursor]
        # Plain SQL, not the model: knox's `created` is auto_now_add and would forget each token's age.
        cursor.executemany(
            "INSERT INTO knox_authtoken (digest, token_key, user_id, created, expiry)"
            " VALUES (%s, %s, %s, %s, NULL) ON CONFLICT (digest) DO NOTHING",
            rows,
        )
        cursor.execute(f"DROP TABLE {DRF_TOKENS}")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0028_notification_kind_review_rejected"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[],
            options={"verbose_name": "API token", "proxy": True, "indexes": [], "constraints": []},
            bases=("knox.authtoken",),
        ),
        # Not reversible in full: the keys are gone once hashed; going back leaves knox's tokens.
        migrations.RunPython(move_drf_tokens, migrations.RunPython.noop),
    ]
