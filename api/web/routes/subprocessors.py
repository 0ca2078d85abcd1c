"""Pages: one sub-processor engagement, where it stands with each controller, and the
controller's answer (art. 28(2)).

The same services as api/routes/subprocessors.py: reading needs READ_REGISTER in the processor
or in a controller the engagement serves; answering, EDIT_REGISTER in that controller (its DPO
or administrator). The processor reads the answers, never gives them.
"""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.web.common import not_found
from api.web.forms import errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.scope import Scope
from core.validation import validate_shape
from register.enums import label
from register.subprocessors import answers, service
from register.subprocessors.enums import AnswerKind
from register.subprocessors.schemas import AnswerIn, EngagementOut

router = APIRouter(include_in_schema=False)


def _not_found(request: Request):
    return not_found(
        request,
        "Ce sous-traitant ultérieur n'existe pas, ou il ne sert aucun des organismes de "
        "votre compte.",
        back=("conventions.list", "Revenir aux conventions"),
    )


def _answerable(shown: EngagementOut, editable: Scope) -> list[dict]:
    """The (convention, controller) pairs the user may answer for, as form choices."""
    if editable.is_empty:
        return []
    return [
        {
            "value": f"{s.convention_id}:{s.controller_id}",
            "label": f"{s.controller_name} — convention « {s.convention_title} »",
        }
        for s in shown.standing
        if editable.allows(s.controller_id)
    ]


async def _sheet(request: Request, engagement_id: str, *, status=200, errors=None, form=None):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return page(request, "error.html.j2", status=403, code=403)
    try:
        wanted = UUID(engagement_id)
    except ValueError:
        return _not_found(request)
    try:
        found = await service.read_engagement(scope=scope, engagement_id=wanted)
    except NotFound:
        return _not_found(request)
    shown = await service.engagement_out(found, scope)
    processor = await service.processor_name(found)
    return page(
        request,
        "sous_traitants/sheet.html.j2",
        status=status,
        errors=errors,
        e=shown,
        processor=processor,
        choices=_answerable(shown, principal.scope(Permission.EDIT_REGISTER)),
        kinds=[{"value": k.value, "label": label(k)} for k in AnswerKind],
        form=form or {},
    )


@router.get("/sous-traitants/{engagement_id}", name="subprocessors.sheet")
async def sheet(request: Request, engagement_id: str):
    return await _sheet(request, engagement_id)


def _answer_in(form) -> AnswerIn:
    """The answer, each problem beside its own field (a too-long comment on the comment)."""
    convention_id, _, controller_id = (text(form, "party") or "").partition(":")
    problems = []
    try:
        party = {"controller_id": UUID(controller_id), "convention_id": UUID(convention_id)}
    except ValueError:
        party = {}
        problems.append(FieldProblem(("body", "party"), "choisissez l'organisme et la convention"))
    if text(form, "answer") not in set(AnswerKind):
        problems.append(FieldProblem(("body", "answer"), "choisissez la réponse"))
    if problems:
        raise ValidationFailed(problems)
    data = {**party, "answer": text(form, "answer"), "comment": text(form, "comment")}
    return validate_shape(AnswerIn, data)


@router.post("/sous-traitants/{engagement_id}/reponse", name="subprocessors.answer")
async def answer(request: Request, engagement_id: str):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    if scope.is_empty:
        return page(request, "error.html.j2", status=403, code=403)
    form = await request.form()
    try:
        wanted = UUID(engagement_id)
    except ValueError:
        return _not_found(request)
    try:
        found = await service.read_engagement(scope=scope, engagement_id=wanted)
        await answers.record_answer(scope=scope, engagement=found, data=_answer_in(form))
    except NotFound:
        return _not_found(request)
    except ValidationFailed as exc:
        return await _sheet(
            request, engagement_id, status=422, errors=errors_from(exc), form=dict(form)
        )
    return RedirectResponse(
        path_for(request, "subprocessors.sheet", engagement_id=engagement_id) + "#t-reponses",
        status_code=303,
    )
