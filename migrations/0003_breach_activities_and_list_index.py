from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_breach_workflow')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Breach',
            name='activities',
            field=fields.ManyToManyField('models.ProcessingActivity', unique=True, db_constraint=True, through='breach_activity', forward_key='processingactivity_id', backward_key='breach_id', related_name='breaches', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='ProcessingActivity',
            index=Index(fields=['name', 'id']),
        ),
    ]
