from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_outbox_and_scheduler')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('chain', fields.CharField(max_length=40)),
                ('seq', fields.BigIntField()),
                ('hash', fields.CharField(max_length=64)),
                ('signed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('key_id', fields.CharField(description='Fingerprint of the signing key', max_length=64)),
                ('signature', fields.TextField(description='Ed25519 signature, base64', unique=False)),
            ],
            options={'table': 'audit_checkpoint', 'app': 'models', 'indexes': [Index(fields=['chain', 'seq'])], 'pk_attr': 'id', 'table_description': "The instance's signature over the end of one chain (chain, seq, hash) at a moment."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('chain', fields.CharField(max_length=40)),
                ('seq', fields.BigIntField()),
                ('organisation_id', fields.UUIDField(null=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(description='Account, token or process that wrote', max_length=200)),
                ('action', fields.CharField(description='What was done, e.g. activity.update', max_length=64)),
                ('entity_type', fields.CharField(max_length=64)),
                ('entity_id', fields.CharField(null=True, max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'unique_together': (('chain', 'seq'),), 'indexes': [Index(fields=['entity_type', 'entity_id'])], 'pk_attr': 'id', 'table_description': 'One write, chained to the event before it in its chain.'},
            bases=['Model'],
        ),
    ]
