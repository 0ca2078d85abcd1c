from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0003_breach_activities_and_list_index')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='Breach',
            constraint=UniqueConstraint(fields=('controller', 'ref'), name=None),
        ),
    ]
