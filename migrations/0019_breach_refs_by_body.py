from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from register.organisations import codes
from core.migration_ops import AddColumn

# Issue 15, breach references unique on an instance: each body gets a short code
# (register.organisations.codes) that new breach references carry
# (VIO-<code>-2026-0001, breach.incidents.service._next_ref). The bodies already recorded get
# the code derived from their legal name here; their stored breach references are kept as
# they were journaled and shown qualified with the code (breach.breaches.names.shown_ref).

TABLE = "organisation"


async def derive_short_codes(apps, schema_editor) -> None:
    client = schema_editor.client
    _, rows = await client.execute_query(
        f'SELECT "id", "legal_name", "short_code" FROM "{TABLE}" ORDER BY "created_at", "id"'
    )
    taken = {row["short_code"] for row in rows if row["short_code"]}
    mark = ("$1", "$2") if schema_editor.DIALECT == "postgres" else ("?", "?")
    update = f'UPDATE "{TABLE}" SET "short_code" = {mark[0]} WHERE "id" = {mark[1]}'
    for row in rows:
        if row["short_code"]:
            continue
        code = codes.derive(row["legal_name"], taken)
        taken.add(code)
        await client.execute_query(update, [code, row["id"]])


class Migration(migrations.Migration):
    dependencies = [("models", "0018_cnil_document_facts")]

    initial = False

    operations = [
        AddColumn(
            model_name="Organisation",
            name="short_code",
            field=fields.CharField(null=True, unique=True, max_length=12),
        ),
        ops.RunPython(derive_short_codes, ops.RunPython.noop),
    ]
