import functools
from json import dumps, loads

from tortoise import fields, migrations

from core.migration_ops import AddColumn

# Issue 16, H2 convention life: the events a convention's state is derived from
# (register.conventions.life): express renewals allowed and decided, an early termination,
# a notice given by one party. Nullable or with a database default: the table has rows.


def _json_list():
    return fields.JSONField(
        default=list,
        null=True,
        encoder=functools.partial(dumps, separators=(",", ":")),
        decoder=loads,
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0022_subprocessing_regime')]

    initial = False

    operations = [
        AddColumn(
            model_name="Convention",
            name="express_renewals",
            field=fields.IntField(default=0, db_default=0),
        ),
        AddColumn(model_name="Convention", name="express_renewal_decisions", field=_json_list()),
        AddColumn(model_name="Convention", name="terminated_on", field=fields.DateField(null=True)),
        AddColumn(
            model_name="Convention", name="termination_reason", field=fields.TextField(null=True)
        ),
        AddColumn(
            model_name="Convention",
            name="terminated_by",
            field=fields.CharField(max_length=300, null=True),
        ),
        AddColumn(
            model_name="Convention", name="notice_given_on", field=fields.DateField(null=True)
        ),
        AddColumn(model_name="Convention", name="notice_party", field=fields.UUIDField(null=True)),
        AddColumn(
            model_name="Convention", name="notice_effective_on", field=fields.DateField(null=True)
        ),
        AddColumn(
            model_name="Convention",
            name="notice_recorded_by",
            field=fields.CharField(max_length=300, null=True),
        ),
    ]
