from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from breach.enums import NotificationPhase
from core.migration_ops import AddColumn, WidenColumn

# Issue 15, the CNIL document: the other authorities told of a breach, and whether its
# processing is cross-border, as facts of the breach (breach.cnil_facts); null: not known yet.
# A notification's phase may now be « complete » (everything known at once): the enum's new
# value changes only the field's description, VARCHAR(16) holds it, so the state changes
# without rebuilding the table (WidenColumn to the same length: nothing on SQLite, a no-op
# ALTER on PostgreSQL).


class Migration(migrations.Migration):
    dependencies = [("models", "0017_phases_and_people")]

    initial = False

    operations = [
        AddColumn(
            model_name="Breach",
            name="other_authorities",
            field=fields.JSONField(null=True),
        ),
        AddColumn(
            model_name="Breach",
            name="cross_border",
            field=fields.BooleanField(null=True),
        ),
        AddColumn(
            model_name="Breach",
            name="other_member_states",
            # Nullable: a NOT NULL column without a database default cannot be added to a
            # table with rows (SQLite refuses it, PostgreSQL too); the rows read it as [].
            field=fields.JSONField(null=True, default=list),
        ),
        WidenColumn(
            model_name="BreachNotification",
            name="phase",
            field=fields.CharEnumField(
                description="INITIAL: initial\nCOMPLEMENTARY: complementary\nCOMPLETE: complete",
                enum_type=NotificationPhase,
                max_length=16,
            ),
        ),
    ]
