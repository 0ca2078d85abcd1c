from tortoise import migrations
from tortoise.migrations import operations as ops
from core.accounts.roles import Role
from core.crypto import EncryptedJSONField, EncryptedTextField
from core.crypto_migration import EncryptColumnAsText, EncryptTextColumn
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields



class Migration(migrations.Migration):
    dependencies = [('models', '0006_audit_journal')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('ip', fields.CharField(db_index=True, max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ok', fields.BooleanField()),
            ],
            options={'table': 'account_login_attempt', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One sign-in attempt, kept in the database so the limit holds across workers.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('password_hash', fields.CharField(null=True, max_length=200)),
                ('is_instance_admin', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('totp_secret', fields.CharField(null=True, max_length=64)),
                ('totp_last_step', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'account_user', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person who signs in: an e-mail, an argon2id password hash, an optional TOTP secret.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('prefix', fields.CharField(max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_api_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token for tools: only the SHA-256 of the secret is kept, shown once at creation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='ADMINISTRATOR: administrator\nDPO: dpo\nSECURITY_OFFICER: security_officer\nAUDITOR: auditor', enum_type=Role, max_length=24)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account_membership', 'app': 'models', 'unique_together': (('user', 'organisation', 'role'),), 'pk_attr': 'id', 'table_description': 'One role of a user in one body (a person may hold several roles in several bodies).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_web_session', 'app': 'models', 'pk_attr': 'id', 'table_description': "A signed-in browser: the hash of the cookie's id, and the token its forms must carry."},
            bases=['Model'],
        ),
        EncryptColumnAsText(
            model_name='Breach',
            name='assessment',
            field=EncryptedJSONField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='aware_rationale',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='closing_reasons',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='consequences_detail',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='controller_notice_late_reason',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='decision_reasons',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='measures_planned',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Breach',
            name='measures_taken',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='BreachEvent',
            name='note',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='BreachNotification',
            name='late_reason',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='BreachNotification',
            name='message_body',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='BreachNotification',
            name='message_subject',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='BreachNotification',
            name='summary',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='Incident',
            name='description',
            field=EncryptedTextField(unique=False),
        ),
        EncryptColumnAsText(
            model_name='Incident',
            name='title',
            field=EncryptedTextField(unique=False),
        ),
        EncryptColumnAsText(
            model_name='IncidentChange',
            name='changes',
            field=EncryptedJSONField(unique=False),
        ),
        EncryptTextColumn(
            model_name='OutboxMessage',
            name='body_text',
            field=EncryptedTextField(unique=False),
        ),
        EncryptColumnAsText(
            model_name='OutboxMessage',
            name='cc_addrs',
            field=EncryptedJSONField(default=list, unique=False),
        ),
        EncryptTextColumn(
            model_name='OutboxMessage',
            name='last_error',
            field=EncryptedTextField(null=True, unique=False),
        ),
        EncryptTextColumn(
            model_name='OutboxMessage',
            name='subject',
            field=EncryptedTextField(unique=False),
        ),
        EncryptColumnAsText(
            model_name='OutboxMessage',
            name='to_addrs',
            field=EncryptedJSONField(default=list, unique=False),
        ),
    ]
