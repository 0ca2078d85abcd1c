"""Page: a convention's end of service (art. 28(3)(g)), its steps per controller and the form
recording one, for the controller's or the processor's DPO or administrator (EDIT_REGISTER).
The same service as the JSON route (register.conventions.end_of_service_records)."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.web.forms import FormErrors, errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.clock import today_local
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.validation import validate_shape
from register.conventions import end_of_service_records as records
from register.conventions.end_of_service_schemas import StepIn
from register.conventions.service import convention_out, get_convention
from register.documents.kinds import DocumentKind
from register.documents.service import documents_of
from register.end_of_service_proofs import destruction_proofs
from register.enums import EndOfServiceStep, catalogue

router = APIRouter(include_in_schema=False)
NOT_FOUND = (
    "Cette convention n'existe pas, ou aucun des organismes pour lesquels vous pouvez modifier "
    "le registre n'y est partie."
)
FIELDS = ("controller_id", "step", "done_on", "how", "done_by", "reference", "legal_ground")


def _values(form: FormData) -> dict:
    """The form as the service's input: the facts of the chosen step only (the others stay
    in the page, typed or not)."""
    values = {name: text(form, name) for name in FIELDS}
    values["document_id"] = text(form, "document_id")
    return {k: v for k, v in values.items() if v is not None}


async def _page(request: Request, convention_id: str, *, values=None, errors=None, status=200):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    try:
        convention = await get_convention(scope=scope, convention_id=UUID(convention_id))
    except (ValueError, NotFound):
        return page(request, "error.html.j2", status=404, code=404, message=NOT_FOUND)
    (state,) = await records.end_of_service_outs([convention], today_local())
    proofs = await documents_of(convention.id, DocumentKind.DESTRUCTION_PROOF)
    return page(
        request,
        "conventions/end_of_service.html.j2",
        status=status,
        convention=await convention_out(convention),
        eos=state,
        values=values or {},
        errors=errors or FormErrors(),
        steps=catalogue()[EndOfServiceStep.__name__],
        controllers=[
            {"value": str(c.controller_id), "label": c.controller_name} for c in state.controllers
        ],
        proofs=[{"value": str(d.id), "label": d.title} for d in proofs],
        today=today_local(),
    )


@router.get("/conventions/{convention_id}/fin-de-service", name="end_of_service.form")
async def end_of_service_form(request: Request, convention_id: str):
    return await _page(request, convention_id)


def _sheet(request: Request, convention_id: str) -> RedirectResponse:
    target = path_for(request, "end_of_service.form", convention_id=convention_id)
    return RedirectResponse(target + "?fait=fin-de-service#t-etapes", status_code=303)


@router.post("/conventions/{convention_id}/fin-de-service", name="end_of_service.record")
async def record_step(request: Request, convention_id: str):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    values = _values(await request.form())
    try:
        data = validate_shape(StepIn, values)
        await records.record_step(
            scope=scope,
            convention_id=UUID(convention_id),
            data=data,
            today=today_local(),
            proofs=destruction_proofs,
        )
    except (ValueError, NotFound):
        return await _page(request, convention_id)
    except ValidationFailed as exc:
        return await _refused(request, convention_id, values, errors_from(exc), 422)
    except (Conflict, Forbidden) as exc:
        errors = errors_from(ValidationFailed.one(msg=str(exc)))
        return await _refused(request, convention_id, values, errors, _status(exc))
    return _sheet(request, convention_id)


@router.post(
    "/conventions/{convention_id}/fin-de-service/{record_id}/retirer",
    name="end_of_service.withdraw",
)
async def withdraw_step(request: Request, convention_id: str, record_id: str):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    version = text(await request.form(), "version")
    try:
        await records.withdraw_step(
            scope=scope,
            convention_id=UUID(convention_id),
            record_id=UUID(record_id),
            version=int(version) if version and version.isdigit() else None,
        )
    except (ValueError, NotFound):
        return await _page(request, convention_id)
    except (Conflict, Forbidden) as exc:
        errors = errors_from(ValidationFailed.one(msg=str(exc)))
        return await _refused(request, convention_id, {}, errors, _status(exc))
    return _sheet(request, convention_id)


def _status(exc: Exception) -> int:
    return 403 if isinstance(exc, Forbidden) else 409


async def _refused(request, convention_id, values, errors, status):
    return await _page(request, convention_id, values=values, errors=errors, status=status)
