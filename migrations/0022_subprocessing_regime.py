from tortoise import migrations
from tortoise.migrations import operations as ops
from register.enums import SubprocessorAuthorisation
from register.subprocessors.enums import AnswerKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from core.migration_ops import AddColumn, EnumValues

# Issue 16, H1 sub-processing regime (engagement requests, authorisations, objections): the
# controllers' answers to a sub-processor (register.subprocessors.answers), and a regime
# "unknown" (the convention does not state it) beside "none" (it forbids sub-processing).
# Until now "none" was the default of every convention, whatever its text said, labelled
# « interdite »: the conventions holding it are marked "unknown" (nothing is claimed of their
# text; each sub-processor then needs every controller's specific written authorisation); a
# DPO whose convention does forbid sub-processing sets "none" again. `change_notified_at`:
# when the controllers were last written to about an engagement (its answers count since).

TO_UNKNOWN = (
    "UPDATE \"convention\" SET \"subprocessor_authorisation\" = 'unknown' "
    "WHERE \"subprocessor_authorisation\" = 'none'"
)
BACK_TO_NONE = (
    "UPDATE \"convention\" SET \"subprocessor_authorisation\" = 'none' "
    "WHERE \"subprocessor_authorisation\" = 'unknown'"
)


class Migration(migrations.Migration):
    dependencies = [('models', '0021_nis2_clocks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SubprocessorAnswer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('engagement', fields.ForeignKeyField('models.SubprocessorEngagement', source_field='engagement_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.RESTRICT)),
                ('convention', fields.ForeignKeyField('models.Convention', source_field='convention_id', db_constraint=True, to_field='id', related_name='subprocessor_answers', on_delete=OnDelete.RESTRICT)),
                ('controller', fields.ForeignKeyField('models.Organisation', source_field='controller_id', db_constraint=True, to_field='id', related_name='subprocessor_answers', on_delete=OnDelete.RESTRICT)),
                ('answer', fields.CharEnumField(description='AUTHORISE: authorise\nACCEPT: accept\nOBJECT: object', enum_type=AnswerKind, max_length=16)),
                ('comment', fields.TextField(null=True, unique=False)),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answered_by', fields.CharField(max_length=300)),
            ],
            options={'table': 'subprocessor_answer', 'app': 'models', 'pk_attr': 'id', 'table_description': "One controller's answer to an engagement under one convention: a specific"},
            bases=['VersionedModel'],
        ),
        EnumValues(
            model_name='Convention',
            name='subprocessor_authorisation',
            field=fields.CharEnumField(default=SubprocessorAuthorisation.UNKNOWN, description='GENERAL: general\nSPECIFIC: specific\nNONE: none\nUNKNOWN: unknown', enum_type=SubprocessorAuthorisation, max_length=16),
        ),
        EnumValues(
            model_name='SubprocessorEngagement',
            name='authorisation',
            field=fields.CharEnumField(description='GENERAL: general\nSPECIFIC: specific\nNONE: none\nUNKNOWN: unknown', enum_type=SubprocessorAuthorisation, max_length=16),
        ),
        AddColumn(
            model_name='SubprocessorEngagement',
            name='change_notified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(TO_UNKNOWN, BACK_TO_NONE),
    ]
