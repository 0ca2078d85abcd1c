from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from core.crypto import EncryptedTextField
from register.documents.kinds import DocumentKind

# Issue 16, H6: documents attached to conventions and engagements (the signed convention,
# annexes, proofs of destruction, audit reports); their content apart, encrypted.


class Migration(migrations.Migration):
    dependencies = [('models', '0024_convention_clauses')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Document',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('convention', fields.ForeignKeyField('models.Convention', source_field='convention_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.RESTRICT)),
                ('engagement', fields.ForeignKeyField('models.SubprocessorEngagement', source_field='engagement_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='SIGNED_CONVENTION: signed_convention\nANNEX: annex\nDESTRUCTION_PROOF: destruction_proof\nAUDIT_REPORT: audit_report\nOTHER: other', enum_type=DocumentKind, max_length=24)),
                ('title', fields.CharField(max_length=300)),
                ('document_date', fields.DateField(null=True)),
                ('file_name', fields.CharField(max_length=200)),
                ('media_type', fields.CharField(max_length=100)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('uploaded_by', fields.CharField(max_length=400)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attached_by', fields.ForeignKeyField('models.Organisation', source_field='attached_by_id', null=True, db_constraint=True, to_field='id', related_name='attached_documents', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'document', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A file attached to a convention or to a sub-processor engagement (exactly one of the'},
            bases=['VersionedModel'],
        ),
        ops.CreateModel(
            name='DocumentContent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('document', fields.OneToOneField('models.Document', source_field='document_id', db_constraint=True, to_field='id', related_name='content', on_delete=OnDelete.CASCADE)),
                ('data', EncryptedTextField(unique=False)),
            ],
            options={'table': 'document_content', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The bytes of a document, base64 then encrypted like every protected field (bound to'},
            bases=['Model'],
        ),
    ]
