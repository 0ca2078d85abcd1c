"""Page: the art. 28(3) checklist of a convention, edited by a party's DPO or administrator
(EDIT_REGISTER). The same service as the JSON route (register.conventions.checklist): a change
the other parties must agree to is proposed to them, the page then shows the proposal."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.web.forms import FormErrors, errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import validate_shape
from register.conventions import checklist
from register.conventions.checklist import ChecklistOut, ChecklistPatch
from register.conventions.clauses import ClauseCode, ClauseStatus
from register.enums import catalogue

router = APIRouter(include_in_schema=False)
NOT_FOUND = (
    "Cette convention n'existe pas, ou aucun des organismes pour lesquels vous pouvez modifier "
    "le registre n'y est partie."
)


def _values(form: FormData) -> dict:
    """The form as the service's input: every clause, with the version read."""
    return {
        "version": text(form, "version"),
        "clauses": {
            code.value: {
                "status": text(form, f"clauses-{code.value}-status"),
                "article": text(form, f"clauses-{code.value}-article"),
                "note": text(form, f"clauses-{code.value}-note"),
            }
            for code in ClauseCode
        },
    }


def _shown(found: ChecklistOut) -> dict:
    return {
        "version": found.version,
        "clauses": {
            i.clause.value: {"status": i.status.value, "article": i.article, "note": i.note}
            for i in found.items
        },
    }


async def _form(request: Request, convention_id: str, *, values=None, errors=None, status=200):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    try:
        found = await checklist.get_checklist(scope=scope, convention_id=UUID(convention_id))
    except (ValueError, NotFound):
        return page(request, "error.html.j2", status=404, code=404, message=NOT_FOUND)
    return page(
        request,
        "conventions/clauses_form.html.j2",
        status=status,
        checklist=found,
        values=values or _shown(found),
        errors=errors or FormErrors(),
        statuses=catalogue()[ClauseStatus.__name__],
    )


@router.get("/conventions/{convention_id}/clauses", name="convention_clauses.form")
async def clauses_form(request: Request, convention_id: str):
    return await _form(request, convention_id)


@router.post("/conventions/{convention_id}/clauses", name="convention_clauses.save")
async def save_clauses(request: Request, convention_id: str):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    values = _values(await request.form())
    try:
        data = validate_shape(ChecklistPatch, values)
        found, proposed = await checklist.update_checklist(
            scope=scope,
            convention_id=UUID(convention_id),
            version=data.version,
            clauses=data.clauses,
        )
    except (ValueError, NotFound):
        return await _form(request, convention_id)
    except ValidationFailed as exc:
        errors = errors_from(exc)
        return await _form(request, convention_id, values=values, errors=errors, status=422)
    except Conflict as exc:
        errors = errors_from(ValidationFailed.one(msg=str(exc)))
        return await _form(request, convention_id, values=values, errors=errors, status=409)
    if proposed:
        target = path_for(request, "proposals.sheet", proposal_id=found.pending_proposal_id)
    else:
        target = path_for(request, "conventions.sheet", convention_id=convention_id)
    return RedirectResponse(target + "#t-clauses-283", status_code=303)
