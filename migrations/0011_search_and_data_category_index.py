from tortoise import migrations
from tortoise.migrations import operations as ops
from register.enums import DataCategory
from tortoise.fields.base import OnDelete
from tortoise import fields

from register.activities import search

# The register read from indexes (issue 22): the `data_category` filter through a join table
# (filled here from each activity's `data_categories`, then by the service), and the search
# through an FTS5 trigram table on SQLite or a pg_trgm GIN index on PostgreSQL
# (register.activities.search).

BACKFILL = {
    "sqlite": (
        "INSERT INTO activity_data_category (activity_id, category)"
        " SELECT DISTINCT a.id, j.value FROM processing_activity a, json_each(a.data_categories) j"
    ),
    "postgres": (
        "INSERT INTO activity_data_category (activity_id, category)"
        " SELECT DISTINCT a.id, j.value FROM processing_activity a,"
        " jsonb_array_elements_text(a.data_categories::jsonb) j(value)"
    ),
}


async def fill_data_categories(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(BACKFILL[schema_editor.DIALECT])


async def install_search(apps, schema_editor) -> None:
    await search.install(schema_editor.client)


async def remove_search(apps, schema_editor) -> None:
    await search.remove(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0010_signed_actor')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActivityDataCategory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('activity', fields.ForeignKeyField('models.ProcessingActivity', source_field='activity_id', db_constraint=True, to_field='id', related_name='data_category_rows', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='CIVIL_STATUS: civil_status\nPERSONAL_LIFE: personal_life\nPROFESSIONAL_LIFE: professional_life\nECONOMIC_FINANCIAL: economic_financial\nCONNECTION: connection\nLOCATION: location\nINTERNET: internet\nOTHER: other', enum_type=DataCategory, max_length=32)),
            ],
            options={'table': 'activity_data_category', 'app': 'models', 'unique_together': (('category', 'activity'),), 'pk_attr': 'id', 'table_description': 'One data category an activity processes: a copy of `data_categories`, kept by the'},
            bases=['Model'],
        ),
        ops.RunPython(fill_data_categories, ops.RunPython.noop),
        ops.RunPython(install_search, remove_search),
    ]
