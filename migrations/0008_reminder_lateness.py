from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_accounts_and_encryption')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReminderLateness',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('written_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('seconds', fields.FloatField(description="Written at, minus the stage's moment or the breach's last change if later")),
            ],
            options={'table': 'reminder_lateness', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How late each breach reminder was written by the scheduler, kept for an hour.'},
            bases=['Model'],
        ),
    ]
