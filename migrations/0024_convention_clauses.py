from json import dumps

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core.migration_ops import AddColumn

# Issue 16, H3 the art. 28(3) checklist of a convention (register.conventions.clauses): per
# clause its status, the convention's article and a note, in one JSON column; the yes/no
# columns are written from it from now on. The conventions already recorded get a checklist
# from their yes/no columns: true → present (no article known yet), false → not checked (a
# clause left out of the checklist), since « false » never said the text lacked the clause.

TABLE = "convention"
# Kept here as they were at this migration (the module's table may grow later).
FLAGS = {
    "documented_instructions": "instructions",
    "staff_confidentiality": "confidentiality",
    "assists_data_subject_rights": "data_subject_rights",
    "assists_security_obligations": "compliance_assistance",
    "informs_unlawful_instruction": "unlawful_instruction",
    "audit_right": "audits",
}


def checklist_of(row: dict) -> dict:
    return {
        code: {"status": "present", "article": None, "note": None}
        for flag, code in FLAGS.items()
        if row[flag]
    }


async def fill_checklists(apps, schema_editor) -> None:
    client = schema_editor.client
    columns = ", ".join(f'"{flag}"' for flag in FLAGS)
    _, rows = await client.execute_query(f'SELECT "id", {columns} FROM "{TABLE}"')
    mark = ("$1", "$2") if schema_editor.DIALECT == "postgres" else ("?", "?")
    update = f'UPDATE "{TABLE}" SET "clauses" = {mark[0]} WHERE "id" = {mark[1]}'
    for row in rows:
        await client.execute_query(update, [dumps(checklist_of(row)), row["id"]])


class Migration(migrations.Migration):
    dependencies = [('models', '0023_convention_life')]

    initial = False

    operations = [
        AddColumn(
            model_name="Convention",
            name="clauses",
            field=fields.JSONField(default=dict, null=True),
        ),
        ops.RunPython(fill_checklists, ops.RunPython.noop),  # backward: the column goes
    ]
