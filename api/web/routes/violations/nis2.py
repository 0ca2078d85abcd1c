"""Pages: an incident's NIS2 record (significance decided with reasons, awareness, the reports
recorded as sent) and the French drafts of the reports to the CSIRT.

READ_BREACHES to read, UPDATE_INCIDENT to act, in the incident's body, as the JSON API
(api/routes/nis2.py). Every POST answers with a redirect to the page (`?fait=…`), or the page
again: 422 with each refusal beside its field, 409 when the record changed meanwhile or the
step is not possible now.
"""

from collections.abc import Awaitable, Callable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.web import nis2_forms as forms
from api.web.breach_forms import uuid_or_none
from api.web.forms import FormErrors, Values, errors_from, local_value, prefixed
from api.web.render import page, path_for, principal_of
from api.web.routes.violations.common import choices, field_title, forbidden, not_found
from breach import nis2_service
from breach.nis2_draft import nis2_draft
from breach.nis2_models import Nis2Channel, Nis2Phase
from breach.nis2_sheet import nis2_sheet
from core.accounts.roles import Permission
from core.clock import utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from register.enums import label

router = APIRouter(include_in_schema=False)
STALE = "Le dossier NIS 2 a été modifié entre-temps : rechargez la page, vérifiez puis recommencez."


def _options(enum) -> list[dict[str, str]]:
    return [{"value": m.value, "label": label(m)} for m in enum]


def _defaults(record) -> Values:
    facts = record.facts
    yes_no = {True: "oui", False: "non", None: ""}
    values = {
        "nis2-significant": yes_no[record.significant],
        "nis2-reasons": record.reasons or "",
        "send-sent_at": local_value(utcnow()),
        "aware-aware_at": local_value(record.aware_at),
    }
    for name, value in facts.model_dump().items():
        values[f"nis2-{name}"] = (
            yes_no[value] if isinstance(value, bool) or value is None else value
        )
    return Values(values)


async def _page(
    request: Request,
    incident_id: UUID,
    *,
    status: int = 200,
    values: Values | None = None,
    errors: FormErrors | None = None,
) -> HTMLResponse:
    principal = principal_of(request)
    if principal.scope(Permission.READ_BREACHES).is_empty:
        return forbidden(request)
    try:
        sheet = await nis2_sheet(principal, incident_id, utcnow())
    except NotFound:
        return not_found(request)
    return page(
        request,
        "violations/nis2.html.j2",
        status=status,
        **sheet.context(),
        values=values or _defaults(sheet.nis2),
        errors=errors,
        choices=choices,
        field_title=field_title,
        phase_choices=_options(Nis2Phase),
        channel_choices=_options(Nis2Channel),
    )


@router.get("/incidents/{incident_id}/nis2", name="nis2.sheet")
async def nis2_page(request: Request, incident_id: str):
    found = uuid_or_none(incident_id)
    if found is None:
        return not_found(request)
    return await _page(request, found)


async def _act(
    request: Request, raw_id: str, prefix: str, done: str, step: Callable[..., Awaitable]
):
    """A malformed id answers the page's 404, as the GET does (not FastAPI's JSON 422)."""
    scope = principal_of(request).scope(Permission.UPDATE_INCIDENT)
    if scope.is_empty:
        return forbidden(request)
    incident_id = uuid_or_none(raw_id)
    if incident_id is None:
        return not_found(request)
    form = await request.form()
    now = utcnow()
    try:
        await step(scope, incident_id, form, now)
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:
        errors = prefixed(errors_from(exc), prefix)
        return await _page(request, incident_id, status=422, values=Values.of(form), errors=errors)
    except (Conflict, InvalidTransition) as exc:
        message = STALE if isinstance(exc, Conflict) else str(exc)
        errors = FormErrors(general=[message])
        return await _page(request, incident_id, status=409, values=Values.of(form), errors=errors)
    return RedirectResponse(
        path_for(request, "nis2.sheet", incident_id=incident_id) + f"?fait={done}#nis2",
        status_code=303,
    )


@router.post("/incidents/{incident_id}/nis2/decision", name="nis2.decide")
async def decide(request: Request, incident_id: str):
    async def step(scope, found, form, now):
        data = forms.decision_in(form, now=now)
        await nis2_service.decide(scope=scope, incident_id=found, data=data, now=now)

    return await _act(request, incident_id, "nis2-", "nis2-decision", step)


@router.post("/incidents/{incident_id}/nis2/connaissance", name="nis2.awareness")
async def awareness(request: Request, incident_id: str):
    async def step(scope, found, form, now):
        data = forms.awareness_in(form, now=now)
        await nis2_service.move_awareness(scope=scope, incident_id=found, data=data, now=now)

    return await _act(request, incident_id, "aware-", "nis2-connaissance", step)


@router.post("/incidents/{incident_id}/nis2/envoi", name="nis2.send")
async def send(request: Request, incident_id: str):
    async def step(scope, found, form, now):
        data = forms.sending_in(form, now=now)
        await nis2_service.record_sending(scope=scope, incident_id=found, data=data, now=now)

    return await _act(request, incident_id, "send-", "nis2-envoi", step)


@router.post("/incidents/{incident_id}/nis2/rapport-intermediaire", name="nis2.intermediate")
async def intermediate(request: Request, incident_id: str):
    async def step(scope, found, form, now):
        data = forms.intermediate_in(form)
        await nis2_service.request_intermediate(scope=scope, incident_id=found, data=data, now=now)

    return await _act(request, incident_id, "inter-", "nis2-intermediaire", step)


@router.get("/incidents/{incident_id}/nis2/rapport/{phase}", name="nis2.draft")
async def draft(request: Request, incident_id: str, phase: str):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_BREACHES)
    if scope.is_empty:
        return forbidden(request)
    found = uuid_or_none(incident_id)
    chosen = next((p for p in Nis2Phase if p.value == phase), None)
    if found is None or chosen is None:
        return not_found(request)
    try:
        preview = await nis2_draft(scope=scope, incident_id=found, phase=chosen, now=utcnow())
    except NotFound:
        return not_found(request)
    except InvalidTransition as exc:
        return page(
            request,
            "violations/nis2_draft.html.j2",
            status=409,
            preview=None,
            refusal=str(exc),
            incident_id=found,
            phase_label=label(chosen),
        )
    return page(
        request,
        "violations/nis2_draft.html.j2",
        preview=preview,
        refusal=None,
        incident_id=found,
        phase_label=label(chosen),
    )
