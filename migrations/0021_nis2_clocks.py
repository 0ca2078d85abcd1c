from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.crypto import EncryptedTextField
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from core.migration_ops import AddColumn

# Issue 15, NIS2 beside the GDPR: a body's thresholds for a significant incident, and the
# NIS2 record of an incident (decision, awareness, the reports' clocks and sendings).


class Migration(migrations.Migration):
    dependencies = [('models', '0020_processor_facts_and_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Nis2Incident',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('incident', fields.OneToOneField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='nis2', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='nis2_incidents', on_delete=OnDelete.RESTRICT)),
                ('significant', fields.BooleanField()),
                ('decided_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=400)),
                ('reasons', EncryptedTextField(unique=False)),
                ('unavailability_hours', fields.IntField(null=True)),
                ('people_affected', fields.IntField(null=True)),
                ('financial_loss_eur', fields.BigIntField(null=True)),
                ('damage_to_others', fields.BooleanField(null=True)),
                ('malicious', fields.BooleanField(null=True)),
                ('cross_border', fields.BooleanField(null=True)),
                ('thresholds_met', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('aware_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_aware_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('aware_reasons', EncryptedTextField(null=True, unique=False)),
                ('severity', EncryptedTextField(null=True, unique=False)),
                ('impact', EncryptedTextField(null=True, unique=False)),
                ('indicators', EncryptedTextField(null=True, unique=False)),
                ('threat', EncryptedTextField(null=True, unique=False)),
                ('mitigation', EncryptedTextField(null=True, unique=False)),
                ('early_warning_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('notification_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('intermediate_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('final_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('early_warning_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('early_warning_channel', fields.CharField(null=True, max_length=16)),
                ('early_warning_ref', fields.CharField(null=True, max_length=120)),
                ('notification_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('notification_channel', fields.CharField(null=True, max_length=16)),
                ('notification_ref', fields.CharField(null=True, max_length=120)),
                ('intermediate_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('intermediate_channel', fields.CharField(null=True, max_length=16)),
                ('intermediate_ref', fields.CharField(null=True, max_length=120)),
                ('final_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('final_channel', fields.CharField(null=True, max_length=16)),
                ('final_ref', fields.CharField(null=True, max_length=120)),
            ],
            options={'table': 'nis2_incident', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The NIS2 view of one incident: the significance decision, awareness, the reports.'},
            bases=['VersionedModel'],
        ),
        AddColumn(
            model_name='Organisation',
            name='nis2_threshold_financial_loss_eur',
            field=fields.BigIntField(null=True),
        ),
        AddColumn(
            model_name='Organisation',
            name='nis2_threshold_people',
            field=fields.IntField(null=True),
        ),
        AddColumn(
            model_name='Organisation',
            name='nis2_threshold_unavailability_hours',
            field=fields.IntField(null=True),
        ),
    ]
