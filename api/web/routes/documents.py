"""Pages: the documents of a convention (its signed text, annexes, proofs of destruction,
audit reports): attach one, download one, delete one. The same services and permissions as
api/routes/documents.py: reading needs READ_REGISTER in a party, attaching and deleting
EDIT_REGISTER (a party's DPO or administrator); another body's document is a 404."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.streaming import attachment
from api.web.common import as_uuid, forbidden, not_found
from api.web.forms import FormErrors, errors_from, text, upload_form
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.clock import utcnow
from core.config import get_settings
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.validation import validate_shape
from register.conventions import service as conventions
from register.documents import service
from register.documents.filetypes import ACCEPTED
from register.documents.kinds import DocumentKind
from register.documents.schemas import DocumentIn, DocumentUpload
from register.enums import label

router = APIRouter(include_in_schema=False)
# The service's field names → the form's.
FORM_FIELDS = {
    "file": "fichier",
    "title": "titre",
    "kind": "nature",
    "document_date": "date",
    "organisation_id": "organisme",
}
NO_EDIT = "Votre rôle ne permet de joindre ou de retirer des documents pour aucun organisme."


def _form_errors(exc: ValidationFailed) -> FormErrors:
    errors = errors_from(exc)
    errors.by_field = {FORM_FIELDS.get(k, k): v for k, v in errors.by_field.items()}
    return errors


async def _new_page(request: Request, convention, *, status=200, errors=None, values=None):
    limit = get_settings().document_max_bytes
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    parties = await service.attaching_choices(scope, convention.id)
    return page(
        request,
        "conventions/document_new.html.j2",
        status=status,
        convention=convention,
        errors=errors or FormErrors(),
        values=values or {},
        kinds=[{"value": k.value, "label": label(k)} for k in DocumentKind],
        parties=[{"value": str(i), "label": name} for i, name in parties],
        accepted=ACCEPTED,
        max_mb=limit // 2**20,
    )


async def _editable(request: Request, convention_id: str):
    """The convention the caller may attach documents to, or the page refusing it."""
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    if scope.is_empty:
        return None, forbidden(request, NO_EDIT)
    found = as_uuid(convention_id)
    try:
        if found is None:
            raise NotFound("convention", convention_id)
        return await conventions.get_convention(scope=scope, convention_id=found), None
    except NotFound:
        return None, not_found(request)


@router.get("/conventions/{convention_id}/documents/nouveau", name="documents.new")
async def new_document_page(request: Request, convention_id: str):
    convention, refusal = await _editable(request, convention_id)
    if refusal is not None:
        return refusal
    return await _new_page(request, convention)


async def _read_file(upload: object) -> DocumentUpload | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(get_settings().document_max_bytes + 1)
    return DocumentUpload(file_name=upload.filename, data=data)


@router.post("/conventions/{convention_id}/documents", name="documents.add")
async def add_document(request: Request, convention_id: str):
    convention, refusal = await _editable(request, convention_id)
    if refusal is not None:
        return refusal
    try:
        form = await upload_form(request, file_field="fichier", max_fields=10)
    except ValidationFailed as exc:
        return await _new_page(request, convention, status=422, errors=_form_errors(exc))
    values = {name: text(form, name) for name in ("nature", "titre", "date", "organisme")}
    upload = await _read_file(form.get("fichier"))
    try:
        data = validate_shape(
            DocumentIn,
            {
                "kind": values["nature"],
                "title": values["titre"],
                "document_date": values["date"],
                "organisation_id": values["organisme"] or None,
            },
        )
        if upload is None:
            raise ValidationFailed.one("body", "file", msg="choisissez un fichier")
        await service.add_document(
            scope=principal_of(request).scope(Permission.EDIT_REGISTER),
            convention_id=convention.id,
            data=data,
            upload=upload,
            now=utcnow(),
        )
    except ValidationFailed as exc:
        errors = _form_errors(exc)
        return await _new_page(request, convention, status=422, errors=errors, values=values)
    target = path_for(request, "conventions.sheet", convention_id=str(convention.id))
    return RedirectResponse(f"{target}?fait=document-joint#t-documents", status_code=303)


@router.get("/documents/{document_id}/fichier", name="documents.file")
async def document_file(request: Request, document_id: str):
    scope = principal_of(request).scope(Permission.READ_REGISTER)
    found = as_uuid(document_id)
    if found is None or scope.is_empty:
        return not_found(request)
    try:
        doc = await service.get_document(scope=scope, document_id=found)
        data = await service.content_of(doc)
    except NotFound:
        return not_found(request)
    except Conflict as exc:
        return page(request, "error.html.j2", status=409, code=409, message=str(exc))
    return Response(
        content=data,
        media_type=doc.media_type,
        headers={"Content-Disposition": attachment(doc.file_name)},
    )


@router.post("/documents/{document_id}/suppression", name="documents.delete")
async def delete_document(request: Request, document_id: str):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    found = as_uuid(document_id)
    if scope.is_empty:
        return forbidden(request, NO_EDIT)
    if found is None:
        return not_found(request)
    try:
        doc = await service.get_document(scope=scope, document_id=found)
        await service.delete_document(scope=scope, document_id=found, version=None)
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except Conflict as exc:
        return page(request, "error.html.j2", status=409, code=409, message=str(exc))
    if doc.convention_id is None:
        return RedirectResponse(path_for(request, "conventions.list"), status_code=303)
    target = path_for(request, "conventions.sheet", convention_id=str(doc.convention_id))
    return RedirectResponse(f"{target}?fait=document-retire#t-documents", status_code=303)
