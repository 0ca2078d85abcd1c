from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# A body's activities in the record's order, (name, id), read from an index: the export's
# batches (register.export.activity_batches) walk it by keyset instead of sorting the whole
# body once per batch (issue 22).


class Migration(migrations.Migration):
    dependencies = [("models", "0011_search_and_data_category_index")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="ProcessingActivity",
            index=Index(fields=["controller_id", "name", "id"]),
        ),
    ]
