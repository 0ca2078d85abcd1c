"""The written proofs of destruction a convention's end of service may point at: the documents
of that kind attached to the convention (register.documents, which reads the conventions, so
the conventions' package is handed this function rather than importing it)."""

from uuid import UUID

from register.documents.kinds import DocumentKind
from register.documents.service import documents_of


async def destruction_proofs(convention_id: UUID) -> set[UUID]:
    return {d.id for d in await documents_of(convention_id, DocumentKind.DESTRUCTION_PROOF)}
