from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from core.migration_ops import AddColumn

# Issue 15, the body whose system was hit: the facts a breach's controller set itself, which
# the source's later completions leave as they are (breach.breaches.source_facts). The
# delivery state of a notice is read from its outbox message: no column for it. Nullable:
# a NOT NULL column without a database default cannot be added to a table with rows.


class Migration(migrations.Migration):
    dependencies = [("models", "0019_breach_refs_by_body")]

    initial = False

    operations = [
        AddColumn(
            model_name="Breach",
            name="controller_facts",
            field=fields.JSONField(null=True, default=list),
        ),
    ]
