import logging
import uuid

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core import crypto
from core.crypto import EncryptedTextField
from core.crypto_migration import EncryptColumnAsText
from core.keys import CryptoError, get_key_ring

# Issue 14, accounts: the login limit's atomic counters (core.accounts.throttle), and the
# TOTP secrets encrypted at rest like the other protected fields. The column becomes TEXT
# (PostgreSQL), then every secret still in clear is encrypted here, bound to its row
# (`enc:v2:`): a secret must not wait for `rgpd keys rotate` to leave the database and its
# backups. A migration may run before any key is configured (`rgpd migrate` does not require
# one): then the secrets stay as they are, still read, and the log says to run
# `rgpd keys rotate` once the keys are in place.

TOTP_TABLE = "account_user"
TOTP_COLUMN = "totp_secret"
log = logging.getLogger("rgpd.migrations")


async def encrypt_totp_secrets(apps, schema_editor) -> None:
    client = schema_editor.client
    _, rows = await client.execute_query(
        f'SELECT "id", "{TOTP_COLUMN}" FROM "{TOTP_TABLE}" WHERE "{TOTP_COLUMN}" IS NOT NULL'
    )
    clear = [row for row in rows if not crypto.is_encrypted(row[TOTP_COLUMN])]
    if not clear:
        return
    try:
        ring = get_key_ring()
    except CryptoError as exc:
        log.warning(
            "%d secret(s) TOTP laissé(s) en clair faute de clé (%s) : lancez `rgpd keys "
            "rotate` une fois les clés configurées",
            len(clear),
            exc,
        )
        return
    mark = ("$1", "$2") if schema_editor.DIALECT == "postgres" else ("?", "?")
    update = f'UPDATE "{TOTP_TABLE}" SET "{TOTP_COLUMN}" = {mark[0]} WHERE "id" = {mark[1]}'
    for row in clear:
        row_id = str(uuid.UUID(str(row["id"])))
        where = crypto.place(TOTP_TABLE, TOTP_COLUMN, row_id)
        sealed = crypto.encrypt(row[TOTP_COLUMN], where, ring)
        await client.execute_query(update, [sealed, row["id"]])


class Migration(migrations.Migration):
    dependencies = [("models", "0012_activity_body_order_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="LoginCounter",
            fields=[
                ("key", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ("window_start", fields.BigIntField()),
                ("failures", fields.IntField(default=0)),
            ],
            options={
                "table": "account_login_counter",
                "app": "models",
                "pk_attr": "key",
                "table_description": "Failed sign-ins in a window, one row per key (an address, an account, or one account",
            },
            bases=["Model"],
        ),
        EncryptColumnAsText(
            model_name="User",
            name="totp_secret",
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.RunPython(encrypt_totp_secrets, ops.RunPython.noop),
    ]
