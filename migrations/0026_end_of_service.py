from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from core.migration_ops import AddColumn, EnumValues
from register.enums import EndOfService, EndOfServiceStep

# Issue 16, H5 end-of-service steps (art. 28(3)(g)): the steps done, one row each (the due
# dates are derived from the convention's end), the convention's delay after its end, and
# the archives outcome among a convention's end-of-service choices.


class Migration(migrations.Migration):
    dependencies = [('models', '0025_documents')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EndOfServiceRecord',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('convention', fields.ForeignKeyField('models.Convention', source_field='convention_id', db_constraint=True, to_field='id', related_name='end_of_service_records', on_delete=OnDelete.RESTRICT)),
                ('controller', fields.ForeignKeyField('models.Organisation', source_field='controller_id', db_constraint=True, to_field='id', related_name='end_of_service_records', on_delete=OnDelete.RESTRICT)),
                ('step', fields.CharEnumField(description='RETURNED: returned\nDESTROYED: destroyed\nPROOF_RECEIVED: proof_received\nARCHIVED: archived', enum_type=EndOfServiceStep, max_length=16)),
                ('done_on', fields.DateField()),
                ('how', fields.TextField(null=True, unique=False)),
                ('done_by', fields.CharField(null=True, max_length=300)),
                ('reference', fields.CharField(null=True, max_length=300)),
                ('document_id', fields.UUIDField(null=True)),
                ('legal_ground', fields.TextField(null=True, unique=False)),
                ('recorded_by', fields.CharField(max_length=400)),
            ],
            options={'table': 'end_of_service_record', 'app': 'models', 'unique_together': (('convention', 'controller', 'step'),), 'pk_attr': 'id', 'table_description': 'One step done for one controller of a convention: returned, destroyed, proof, archived.'},
            bases=['VersionedModel'],
        ),
        AddColumn(
            model_name='Convention',
            name='end_of_service_days',
            field=fields.IntField(null=True),
        ),
        EnumValues(
            model_name='Convention',
            name='end_of_service',
            field=fields.CharEnumField(null=True, description='RETURN: return\nDELETE: delete\nRETURN_THEN_DELETE: return_then_delete\nKEEP_FOR_ARCHIVES: keep_for_archives', enum_type=EndOfService, max_length=24),
        ),
    ]
