from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.outbox.models import MessageStatus
from json import dumps, loads
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_unique_breach_refs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('organisation_id', fields.UUIDField(null=True, db_index=True)),
                ('subject_type', fields.CharField(null=True, max_length=32)),
                ('subject_id', fields.UUIDField(null=True, db_index=True)),
                ('dedup_key', fields.CharField(null=True, unique=True, max_length=200)),
                ('to_addrs', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('cc_addrs', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reply_to', fields.CharField(null=True, max_length=254)),
                ('subject', fields.TextField(unique=False)),
                ('body_text', fields.TextField(unique=False)),
                ('message_id', fields.CharField(unique=True, max_length=255)),
                ('status', fields.CharEnumField(default=MessageStatus.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed', enum_type=MessageStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=200)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'models', 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One e-mail as it will be (and was) sent: its content never changes after it is written.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SchedulerState',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('leader', fields.CharField(max_length=200)),
                ('leader_since', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_run_seconds', fields.FloatField(null=True)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'scheduler_state', 'app': 'models', 'pk_attr': 'name', 'table_description': "One row per instance (name 'scheduler'), written by the leader at each run and read"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='BreachNotification',
            name='message_body',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='BreachNotification',
            name='message_subject',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
