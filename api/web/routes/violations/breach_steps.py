"""The breach page's forms: each POST takes one step of the workflow, with the permission the
workflow table gives it (breach.breaches.workflow), and answers with a redirect to the breach
(`?fait=…`), or with the page again: 422 with each refusal beside its field, 409 when the
breach changed meanwhile or the step is not possible now."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.web import breach_forms as forms
from api.web.forms import FormErrors, Values, errors_from, prefixed
from api.web.render import path_for, principal_of
from api.web.routes.violations.breach_page import breach_page
from api.web.routes.violations.common import CONFLICT, Failure, forbidden, not_found
from breach.breaches import service, workflow
from breach.breaches.schemas import BreachOut
from breach.messages import service as messages
from core.accounts.roles import Principal
from core.clock import utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.scope import Scope

router = APIRouter(include_in_schema=False)


def changed_only(current: BreachOut, patch: dict[str, Any]) -> dict[str, Any]:
    """The fields a full form really changes (so the history names only those)."""
    before = current.model_dump(mode="json", include=set(patch))

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(str, a)) == sorted(map(str, b))
        return a == b

    return {name: value for name, value in patch.items() if not same(before[name], value)}


async def _step(
    request: Request,
    breach_id: UUID,
    *,
    step: str,
    form_key: str,
    act: Callable[[Scope, FormData, Principal], Awaitable[Any]],
    done: str,
    anchor: str,
) -> HTMLResponse | RedirectResponse:
    """One step of the workflow posted from the breach page, under the step's permission."""
    principal = principal_of(request)
    scope = principal.scope(workflow.permission(step))
    if scope.is_empty:
        return forbidden(request)
    form = await request.form()
    try:
        await act(scope, form, principal)
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:
        errors = prefixed(errors_from(exc), f"{form_key}-")
        failure = Failure(form_key, errors, Values.of(form))
        return await breach_page(request, breach_id, status=422, failure=failure)
    except Conflict:
        failure = Failure(form_key, FormErrors(general=[CONFLICT]), Values.of(form))
        return await breach_page(request, breach_id, status=409, failure=failure)
    except InvalidTransition as exc:
        message = str(exc)
        failure = Failure(
            form_key, FormErrors(general=[message[0].upper() + message[1:]]), Values.of(form)
        )
        return await breach_page(request, breach_id, status=409, failure=failure)
    target = path_for(request, "violations.breach", breach_id=breach_id)
    return RedirectResponse(f"{target}?fait={done}#{anchor}", status_code=303)


@router.post("/violations/{breach_id}/faits", name="violations.facts")
async def update_facts(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        version, patch = forms.facts_patch(form, "facts-")
        now = utcnow()
        # As the person sees it: the source's form has no controller's answers to change.
        current = await service.breach_seen(
            await service.get_breach(scope=scope, breach_id=breach_id), scope=scope, now=now
        )
        patch = changed_only(current, patch)
        if patch:
            await service.update_facts(
                scope=scope, breach_id=breach_id, version=version, patch=patch, now=now
            )

    return await _step(
        request,
        breach_id,
        step="update_facts",
        form_key="facts",
        act=act,
        done="faits-violation",
        anchor="faits",
    )


@router.post("/violations/{breach_id}/notice", name="violations.notice")
async def send_notice(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.notice_in(form, "notice-")
        await messages.send_controller_notice(
            scope=scope, breach_id=breach_id, data=data, now=utcnow()
        )

    return await _step(
        request,
        breach_id,
        step="record_controller_informed",
        form_key="notice",
        act=act,
        done="notice-envoyee",
        anchor="informer",
    )


@router.post("/violations/{breach_id}/connaissance", name="violations.awareness")
async def awareness(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.awareness_in(form, "aware-")
        await service.record_awareness(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="record_awareness",
        form_key="aware",
        act=act,
        done="connaissance",
        anchor="connaissance",
    )


@router.post("/violations/{breach_id}/evaluation", name="violations.assessment")
async def assess(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.assessment_in(form, "assess-")
        await service.assess(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="assess",
        form_key="assess",
        act=act,
        done="evaluation",
        anchor="evaluation",
    )


@router.post("/violations/{breach_id}/decision", name="violations.decision")
async def decide(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.decision_in(form, "decision-")
        await service.decide(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="decide",
        form_key="decision",
        act=act,
        done="decision",
        anchor="decision",
    )


@router.post("/violations/{breach_id}/notifications", name="violations.cnil")
async def notify_cnil(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        now = utcnow()
        data = forms.cnil_notification_in(form, "cnil-", now=now)
        await messages.record_notification(scope=scope, breach_id=breach_id, data=data, now=now)

    return await _step(
        request,
        breach_id,
        step="notify_cnil_initial",
        form_key="cnil",
        act=act,
        done="notification",
        anchor="notifications",
    )


@router.post(
    "/violations/{breach_id}/notifications/{notification_id}/reference",
    name="violations.cnil_reference",
)
async def cnil_reference(request: Request, breach_id: UUID, notification_id: UUID):
    key = f"ref-{notification_id}"

    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.reference_in(form, f"{key}-")
        await service.record_cnil_reference(
            scope=scope,
            breach_id=breach_id,
            notification_id=notification_id,
            data=data,
            now=utcnow(),
        )

    return await _step(
        request,
        breach_id,
        step="record_cnil_reference",
        form_key=key,
        act=act,
        done="reference-cnil",
        anchor="notifications",
    )


@router.post("/violations/{breach_id}/personnes", name="violations.people")
async def inform_people(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        now = utcnow()
        data = forms.people_notification_in(form, "people-", now=now)
        await messages.record_notification(scope=scope, breach_id=breach_id, data=data, now=now)

    return await _step(
        request,
        breach_id,
        step="inform_people",
        form_key="people",
        act=act,
        done="personnes-informees",
        anchor="notifications",
    )


@router.post("/violations/{breach_id}/cloture", name="violations.close")
async def close(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.close_in(form, "close-")
        await service.close(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="close",
        form_key="close",
        act=act,
        done="cloture",
        anchor="historique",
    )
