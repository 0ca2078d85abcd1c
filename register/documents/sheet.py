"""What a convention page shows of its documents and offers to do with them."""

from dataclasses import dataclass
from uuid import UUID

from core.scope import Scope
from register.documents.kinds import DocumentKind
from register.documents.readers import owner_ids
from register.documents.schemas import DocumentOut
from register.documents.service import document_out, documents_of
from register.enums import label


def size_text(size: int) -> str:
    """'512 octets', '12,3 Ko', '4,0 Mo' (binary multiples, decimal comma)."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    value, unit = (size / 2**20, "Mo") if size >= 2**20 else (size / 1024, "Ko")
    return f"{value:.1f} {unit}".replace(".", ",")


@dataclass(frozen=True)
class DocumentRow:
    document: DocumentOut
    size: str


@dataclass(frozen=True)
class DocumentsSheet:
    rows: list[DocumentRow]
    can_edit: bool  # a party's DPO or administrator: may attach and delete
    kinds: list[tuple[str, str]]


async def convention_documents(*, edit: Scope, convention_id: UUID) -> DocumentsSheet:
    """The documents of a convention the caller has read; `edit` is where they may edit."""
    rows = [
        DocumentRow(document_out(d), size_text(d.size)) for d in await documents_of(convention_id)
    ]
    can_edit = not edit.is_empty and edit.allows_any(await owner_ids(convention_id, None))
    return DocumentsSheet(rows, can_edit, [(k.value, label(k)) for k in DocumentKind])
