from tortoise import fields
from tortoise.models import Model

from core.audit.trail import journaled_model
from core.crypto import EncryptedTextField
from core.models import VersionedModel
from register.documents.kinds import DocumentKind
from register.documents.readers import owner_ids


class Document(VersionedModel):
    """A file attached to a convention or to a sub-processor engagement (exactly one of the
    two). Its content is kept apart (DocumentContent): lists and the journal never read it."""

    # RESTRICT: deleting a convention or an engagement must not silently drop its evidence.
    convention: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Convention", related_name="documents", null=True, on_delete=fields.RESTRICT
    )
    engagement: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.SubprocessorEngagement",
        related_name="documents",
        null=True,
        on_delete=fields.RESTRICT,
    )
    kind = fields.CharEnumField(DocumentKind, max_length=24)
    title = fields.CharField(max_length=300)
    document_date = fields.DateField(null=True)
    file_name = fields.CharField(max_length=200)
    media_type = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)  # of the plain content: shown, and in the bundle
    uploaded_by = fields.CharField(max_length=400)  # the signed-in actor
    # The body on whose behalf it was attached: it alone removes it (a party's signed copy is
    # its evidence). None: attached by the instance's administrator, any owner removes it.
    attached_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="attached_documents",
        null=True,
        on_delete=fields.SET_NULL,
    )
    uploaded_at = fields.DatetimeField()

    class Meta:
        table = "document"
        ordering = ["uploaded_at"]


class DocumentContent(Model):
    """The bytes of a document, base64 then encrypted like every protected field (bound to
    this table, column and row: core.crypto)."""

    id = fields.UUIDField(primary_key=True)
    document: fields.OneToOneRelation[Document] = fields.OneToOneField(
        "models.Document", related_name="content", on_delete=fields.CASCADE
    )
    data = EncryptedTextField()

    class Meta:
        table = "document_content"


async def _owners(row: dict) -> list[str]:
    return [str(o) for o in await owner_ids(row.get("convention_id"), row.get("engagement_id"))]


# Journaled (never the content) in the chain of each party to the convention, or of the
# engagement's processor, as the record it is attached to.
journaled_model(Document, "document", owner=_owners)
