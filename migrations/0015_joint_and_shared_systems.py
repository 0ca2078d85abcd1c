from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from breach.enums import BreachPath
from core.migration_ops import AddColumn, WidenColumn
from register.enums import JointBreachDuty

# Issue 15, joint controllers (art. 26): what the arrangement says of breaches (who notifies
# the CNIL, its essence), and on each joint controller's breach the duty it was fanned out
# with and the lead's breach it follows (breach.fanout). The breach path « joint » is a new
# value of the enum: only the field's description changes, VARCHAR(16) holds it (WidenColumn
# to the same length: nothing on SQLite, a no-op ALTER on PostgreSQL; no table rebuilt).


class Migration(migrations.Migration):
    dependencies = [("models", "0014_row_bound_encryption")]

    initial = False

    operations = [
        WidenColumn(
            model_name="Breach",
            name="path",
            field=fields.CharEnumField(
                description="OWN_SYSTEM: own_system\nPROCESSOR: processor\n"
                "SERVICE_COMMUN: service_commun\nINDEPENDENT: independent\nJOINT: joint",
                enum_type=BreachPath,
                max_length=16,
            ),
        ),
        AddColumn(
            model_name="Convention",
            name="joint_breach_duty",
            field=fields.CharEnumField(
                default=JointBreachDuty.LEAD_NOTIFIES,
                db_default=JointBreachDuty.LEAD_NOTIFIES.value,
                description="LEAD_NOTIFIES: lead_notifies\nEACH_NOTIFIES: each_notifies",
                enum_type=JointBreachDuty,
                max_length=16,
            ),
        ),
        AddColumn(
            model_name="Convention",
            name="arrangement_essence",
            field=fields.TextField(null=True),
        ),
        AddColumn(
            model_name="Breach",
            name="joint_duty",
            field=fields.CharEnumField(
                null=True,
                description="LEAD_NOTIFIES: lead_notifies\nEACH_NOTIFIES: each_notifies",
                enum_type=JointBreachDuty,
                max_length=16,
            ),
        ),
        AddColumn(
            model_name="Breach",
            name="lead_breach",
            field=fields.ForeignKeyField(
                "models.Breach",
                source_field="lead_breach_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="joint_followers",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
