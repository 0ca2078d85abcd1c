from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from register.documents.kinds import DocumentKind
from register.schemas_common import Shape, Stored, Text


class DocumentIn(Shape):
    """What an upload says of its file (the file itself comes beside it)."""

    kind: DocumentKind
    title: Text
    document_date: date | None = Field(default=None, description="The date the document bears")
    organisation_id: UUID | None = Field(
        default=None,
        description="The party on whose behalf it is attached (it alone may remove it); "
        "required when the caller acts for several parties of the convention",
    )


class DocumentOut(Stored):
    convention_id: UUID | None
    engagement_id: UUID | None
    kind: DocumentKind
    kind_label: str
    title: str
    document_date: date | None
    file_name: str = Field(description="Named after its content's type, whatever it was sent as")
    media_type: str
    size: int = Field(description="Bytes")
    sha256: str = Field(description="SHA-256 of the content, hex: the evidence bundle lists it")
    uploaded_by: str
    uploaded_at: datetime
    attached_by_id: UUID | None = Field(description="The body that attached it and may remove it")


class DocumentUpload(BaseModel):
    """A file as received: its name as sent and its bytes."""

    file_name: str
    data: bytes
