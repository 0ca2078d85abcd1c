"""Documents attached to conventions and sub-processor engagements: listed and read by the
bodies of register.documents.readers, added and deleted by a party's DPO or administrator."""

from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.deps import VERSION_QUERY, scope_for
from api.streaming import attachment
from core.accounts.roles import Permission
from core.clock import utcnow
from core.config import get_settings
from core.errors import ValidationFailed
from core.scope import Scope
from core.validation import ONE_FILE, validate_shape
from register.documents import service
from register.documents.kinds import DocumentKind
from register.documents.schemas import DocumentIn, DocumentOut, DocumentUpload

router = APIRouter(tags=["documents"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
FILE_HELP = "PDF, ODT, ODS, DOCX, PNG or JPEG, read from its content; at most document_max_bytes"


async def _one_file(request: Request) -> None:
    """A second `file` would be dropped silently (the last one kept): refused, named."""
    if len((await request.form()).getlist("file")) > 1:
        raise ValidationFailed.one("body", "file", msg=ONE_FILE)


ONE = [Depends(_one_file)]


async def _upload(file: UploadFile) -> DocumentUpload:
    # One byte more than allowed is enough to refuse it (register.documents.service).
    data = await file.read(get_settings().document_max_bytes + 1)
    return DocumentUpload(file_name=file.filename or "", data=data)


ATTACHED_BY_HELP = (
    "The party on whose behalf it is attached (it alone may remove it); required when the "
    "caller acts for several parties of the convention"
)


def _shape(
    kind: str, title: str, document_date: str | None, organisation_id: str | None = None
) -> DocumentIn:
    return validate_shape(
        DocumentIn,
        {
            "kind": kind,
            "title": title,
            "document_date": document_date or None,
            "organisation_id": organisation_id or None,
        },
    )


@router.get("/conventions/{convention_id}/documents", response_model=list[DocumentOut])
async def list_convention_documents(convention_id: UUID, scope: Scope = READ):
    return await service.list_documents(scope=scope, convention_id=convention_id)


@router.post(
    "/conventions/{convention_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    dependencies=ONE,
)
async def add_convention_document(
    convention_id: UUID,
    file: UploadFile = File(description=FILE_HELP),
    kind: DocumentKind = Form(),
    title: str = Form(max_length=300),
    document_date: str | None = Form(default=None, description="YYYY-MM-DD"),
    organisation_id: str | None = Form(default=None, description=ATTACHED_BY_HELP),
    scope: Scope = EDIT,
):
    return await service.add_document(
        scope=scope,
        convention_id=convention_id,
        data=_shape(kind, title, document_date, organisation_id),
        upload=await _upload(file),
        now=utcnow(),
    )


@router.get("/subprocessors/{engagement_id}/documents", response_model=list[DocumentOut])
async def list_engagement_documents(engagement_id: UUID, scope: Scope = READ):
    return await service.list_documents(scope=scope, engagement_id=engagement_id)


@router.post(
    "/subprocessors/{engagement_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    dependencies=ONE,
)
async def add_engagement_document(
    engagement_id: UUID,
    file: UploadFile = File(description=FILE_HELP),
    kind: DocumentKind = Form(),
    title: str = Form(max_length=300),
    document_date: str | None = Form(default=None, description="YYYY-MM-DD"),
    scope: Scope = EDIT,
):
    return await service.add_document(
        scope=scope,
        engagement_id=engagement_id,
        data=_shape(kind, title, document_date),
        upload=await _upload(file),
        now=utcnow(),
    )


@router.get("/documents/{document_id}", response_model=DocumentOut)
async def get_document(document_id: UUID, scope: Scope = READ):
    return service.document_out(await service.get_document(scope=scope, document_id=document_id))


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses={200: {"description": "The file as uploaded", "content": {"*/*": {}}}},
)
async def get_document_content(document_id: UUID, scope: Scope = READ):
    doc = await service.get_document(scope=scope, document_id=document_id)
    data = await service.content_of(doc)
    return Response(
        content=data,
        media_type=doc.media_type,
        headers={
            "Content-Disposition": attachment(doc.file_name),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/documents/{document_id}", status_code=204)
async def delete_document(
    document_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_document(scope=scope, document_id=document_id, version=version)
    return Response(status_code=204)
