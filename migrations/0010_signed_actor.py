from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_convention_consent')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Breach',
            name='decided_by',
            field=fields.CharField(null=True, max_length=400),
        ),
        ops.AlterField(
            model_name='BreachEvent',
            name='author',
            field=fields.CharField(null=True, max_length=400),
        ),
        ops.AlterField(
            model_name='BreachNotification',
            name='recorded_by',
            field=fields.CharField(null=True, max_length=400),
        ),
        ops.AlterField(
            model_name='Incident',
            name='declared_by',
            field=fields.CharField(null=True, max_length=400),
        ),
        ops.AlterField(
            model_name='IncidentChange',
            name='author',
            field=fields.CharField(null=True, max_length=400),
        ),
    ]
