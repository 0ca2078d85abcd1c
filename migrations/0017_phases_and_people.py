from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core.crypto import EncryptedTextField
from core.migration_ops import AddColumn

# Issue 15, phased notification (art. 33(4)) and informing the people (art. 34): the follow-up
# date the initial notification to the CNIL commits to (a running clock until the
# complementary notification), when the people were first told (their clock stops there), why
# a breach was closed with the incident ongoing or facts unknown, and where a public
# communication (art. 34(3)(c)) was published. The breaches whose people were already told
# get that instant from their first communication recorded.

PEOPLE_INFORMED = (
    'UPDATE "breach" SET "people_informed_at" = (SELECT MIN(n."sent_at") FROM '
    '"breach_notification" n WHERE n."breach_id" = "breach"."id" AND '
    "n.\"recipient\" = 'data_subjects')"
)


class Migration(migrations.Migration):
    dependencies = [("models", "0016_awareness_and_assessments")]

    initial = False

    operations = [
        AddColumn(
            model_name="Breach",
            name="followup_due_at",
            field=fields.DatetimeField(null=True),
        ),
        AddColumn(
            model_name="Breach",
            name="people_informed_at",
            field=fields.DatetimeField(null=True),
        ),
        AddColumn(
            model_name="Breach",
            name="incomplete_reasons",
            field=EncryptedTextField(null=True, unique=False),
        ),
        AddColumn(
            model_name="BreachNotification",
            name="published_where",
            field=fields.CharField(max_length=500, null=True),
        ),
        ops.RunSQL(PEOPLE_INFORMED, ops.RunSQL.noop),  # backward: the column goes
    ]
