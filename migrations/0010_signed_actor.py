from tortoise import fields
from tortoise import migrations

from core.migration_ops import WidenColumn

# Who acted, then whom they acted for (core.actor.signed_by): an e-mail address of up to 254
# characters and 120 characters of "pour le compte de".


class Migration(migrations.Migration):
    dependencies = [('models', '0009_convention_consent')]

    initial = False

    operations = [
        WidenColumn(
            model_name=model,
            name=name,
            field=fields.CharField(null=True, max_length=400),
        )
        for model, name in (
            ('Breach', 'decided_by'),
            ('BreachEvent', 'author'),
            ('BreachNotification', 'recorded_by'),
            ('Incident', 'declared_by'),
            ('IncidentChange', 'author'),
        )
    ]
