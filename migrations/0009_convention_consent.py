from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from register.enums import ConventionStatus, PartyAnswer, ProposalKind, ProposalStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_reminder_lateness')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConventionProposal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('convention', fields.ForeignKeyField('models.Convention', source_field='convention_id', db_constraint=True, to_field='id', related_name='proposals', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='CREATION: creation\nCHANGE: change', enum_type=ProposalKind, max_length=16)),
                ('status', fields.CharEnumField(db_index=True, description='PENDING: pending\nACCEPTED: accepted\nREFUSED: refused\nWITHDRAWN: withdrawn\nSUPERSEDED: superseded', enum_type=ProposalStatus, max_length=16)),
                ('payload', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('base_version', fields.IntField()),
                ('proposed_by', fields.CharField(max_length=300)),
                ('proposed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'convention_proposal', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A convention, or a change to one, put to the parties the author may not act for.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProposalAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('proposal', fields.ForeignKeyField('models.ConventionProposal', source_field='proposal_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='proposal_answers', on_delete=OnDelete.CASCADE)),
                ('answer', fields.CharEnumField(description='PENDING: pending\nACCEPTED: accepted\nREFUSED: refused', enum_type=PartyAnswer, max_length=16)),
                ('answered_by', fields.CharField(null=True, max_length=300)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('comment', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'convention_proposal_answer', 'app': 'models', 'unique_together': (('proposal', 'organisation'),), 'pk_attr': 'id', 'table_description': "One party's answer to a proposal: pending until its DPO or administrator answers."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Convention',
            name='status',
            field=fields.CharEnumField(default=ConventionStatus.IN_FORCE, db_index=True, description='PROPOSED: proposed\nIN_FORCE: in_force\nREFUSED: refused\nWITHDRAWN: withdrawn', enum_type=ConventionStatus, max_length=16),
        ),
    ]
