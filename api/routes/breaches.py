from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import Paging, paging, scope_for, split_patch
from breach.breaches import service, workflow
from breach.breaches.schemas import (
    AssessmentIn,
    AwarenessIn,
    BreachFactsIn,
    BreachOut,
    CloseIn,
    ControllerInformedIn,
    CountdownOut,
    DecisionIn,
    NotificationIn,
    NotificationRefIn,
)
from breach.enums import BreachStatus, NotificationPhase
from breach.incidents import service as incidents
from breach.incidents.schemas import IncidentFactsIn, IncidentIn, IncidentOut
from breach.messages import service as messages
from breach.messages.schemas import ControllerNoticeIn, PreviewOut
from breach.register import BreachRegister, breach_register
from core.accounts.roles import Permission
from core.clock import utcnow
from core.scope import Scope
from register.schemas_common import ON_BEHALF_OF, PageOut, patch_model

router = APIRouter(tags=["breaches"])
DECLARE = Depends(scope_for(Permission.DECLARE_INCIDENT))
UPDATE = Depends(scope_for(Permission.UPDATE_INCIDENT))
READ = Depends(scope_for(Permission.READ_BREACHES))
EXPORT = Depends(scope_for(Permission.EXPORT))


def step(name: str):
    """The scope of a workflow step: its permission as the workflow table sets it."""
    return Depends(scope_for(workflow.permission(name)))


IncidentPatch = patch_model(IncidentFactsIn)
BreachFactsPatch = patch_model(BreachFactsIn)


@router.post(
    "/incidents",
    response_model=IncidentOut,
    status_code=201,
    summary="Declare an incident; it fans out into one breach per affected controller",
)
async def declare_incident(body: IncidentIn, scope: Scope = DECLARE):
    return await incidents.declare_incident(scope=scope, data=body, now=utcnow())


@router.get("/incidents", response_model=PageOut[IncidentOut])
async def list_incidents(
    organisation_id: UUID | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await incidents.list_incidents(
        scope=scope, limit=page.limit, offset=page.offset, organisation_id=organisation_id
    )


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
async def get_incident(incident_id: UUID, scope: Scope = READ):
    return await incidents.incident_out(
        await incidents.get_incident(scope=scope, incident_id=incident_id)
    )


@router.patch(
    "/incidents/{incident_id}",
    response_model=IncidentOut,
    summary="Complete or correct the facts; every change is kept",
)
async def update_incident(
    incident_id: UUID,
    body: IncidentPatch,
    on_behalf_of: str | None = Query(
        default=None, min_length=1, max_length=120, description=ON_BEHALF_OF
    ),
    scope: Scope = UPDATE,
):
    version, patch = split_patch(body)
    return await incidents.update_incident_facts(
        scope=scope,
        incident_id=incident_id,
        version=version,
        patch=patch,
        on_behalf_of=on_behalf_of,
        now=utcnow(),
    )


@router.get("/breaches", response_model=PageOut[BreachOut])
async def list_breaches(
    controller_id: UUID | None = None,
    status: BreachStatus | None = None,
    open_only: bool = False,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_breaches(
        scope=scope,
        limit=page.limit,
        offset=page.offset,
        now=utcnow(),
        controller_id=controller_id,
        status=status,
        open_only=open_only,
    )


@router.get(
    "/breaches/{breach_id}",
    response_model=BreachOut,
    summary="A breach as the caller may see it: whole for the controller's people, the "
    "source view for the body whose system was hit (see `view`)",
)
async def get_breach(breach_id: UUID, scope: Scope = READ):
    return await service.breach_seen(
        await service.get_breach(scope=scope, breach_id=breach_id), scope=scope, now=utcnow()
    )


@router.get(
    "/breaches/{breach_id}/deadlines",
    response_model=list[CountdownOut],
    summary="The breach's running clocks (the source side: only its notice to the controller)",
)
async def breach_deadlines(breach_id: UUID, scope: Scope = READ):
    breach = await service.get_breach(scope=scope, breach_id=breach_id)
    return (await service.breach_seen(breach, scope=scope, now=utcnow())).countdowns


async def _answer(breach, scope: Scope) -> BreachOut:
    return await service.breach_seen(breach, scope=scope, now=utcnow())


@router.get(
    "/deadlines",
    response_model=list[service.DeadlineOut],
    summary="Running clocks of the open breaches, soonest first",
)
async def open_deadlines(controller_id: UUID | None = None, scope: Scope = READ):
    return await service.open_deadlines(scope=scope, now=utcnow(), controller_id=controller_id)


@router.patch("/breaches/{breach_id}", response_model=BreachOut)
async def update_breach_facts(
    breach_id: UUID, body: BreachFactsPatch, scope: Scope = step("update_facts")
):
    version, patch = split_patch(body)
    return await _answer(
        await service.update_facts(
            scope=scope, breach_id=breach_id, version=version, patch=patch, now=utcnow()
        ),
        scope,
    )


@router.post("/breaches/{breach_id}/controller-informed", response_model=BreachOut)
async def controller_informed(
    breach_id: UUID,
    body: ControllerInformedIn,
    scope: Scope = step("record_controller_informed"),
):
    return await _answer(
        await service.record_controller_informed(
            scope=scope, breach_id=breach_id, data=body, now=utcnow()
        ),
        scope,
    )


@router.post("/breaches/{breach_id}/awareness", response_model=BreachOut)
async def awareness(breach_id: UUID, body: AwarenessIn, scope: Scope = step("record_awareness")):
    return await _answer(
        await service.record_awareness(scope=scope, breach_id=breach_id, data=body, now=utcnow()),
        scope,
    )


@router.post("/breaches/{breach_id}/assessment", response_model=BreachOut)
async def assessment(breach_id: UUID, body: AssessmentIn, scope: Scope = step("assess")):
    return await _answer(
        await service.assess(scope=scope, breach_id=breach_id, data=body, now=utcnow()),
        scope,
    )


@router.post("/breaches/{breach_id}/decision", response_model=BreachOut)
async def decision(breach_id: UUID, body: DecisionIn, scope: Scope = step("decide")):
    return await _answer(
        await service.decide(scope=scope, breach_id=breach_id, data=body, now=utcnow()),
        scope,
    )


@router.post(
    "/breaches/{breach_id}/notifications",
    response_model=BreachOut,
    summary="Record a notification (CNIL or people) with its text; people by e-mail are sent one "
    "message each",
)
async def notification(
    breach_id: UUID, body: NotificationIn, scope: Scope = step("notify_cnil_initial")
):
    return await _answer(
        await messages.record_notification(
            scope=scope, breach_id=breach_id, data=body, now=utcnow()
        ),
        scope,
    )


@router.patch(
    "/breaches/{breach_id}/notifications/{notification_id}",
    response_model=BreachOut,
    summary="Record the CNIL's file number of a CNIL notification",
)
async def notification_reference(
    breach_id: UUID,
    notification_id: UUID,
    body: NotificationRefIn,
    scope: Scope = step("record_cnil_reference"),
):
    return await _answer(
        await service.record_cnil_reference(
            scope=scope,
            breach_id=breach_id,
            notification_id=notification_id,
            data=body,
            now=utcnow(),
        ),
        scope,
    )


@router.get(
    "/breaches/{breach_id}/previews/controller-notice",
    response_model=PreviewOut,
    summary="The notice to the controller as it would be sent now, with the phone reminder",
)
async def preview_controller_notice(breach_id: UUID, scope: Scope = READ):
    return await messages.preview_controller_notice(scope=scope, breach_id=breach_id, now=utcnow())


@router.get(
    "/breaches/{breach_id}/previews/cnil",
    response_model=PreviewOut,
    summary="The CNIL notification, section by section like the CNIL's online form",
)
async def preview_cnil(
    breach_id: UUID,
    phase: NotificationPhase = NotificationPhase.INITIAL,
    scope: Scope = READ,
):
    return await messages.preview_cnil(scope=scope, breach_id=breach_id, phase=phase, now=utcnow())


@router.get(
    "/breaches/{breach_id}/previews/people",
    response_model=PreviewOut,
    summary="The communication to the people concerned (art. 34(2))",
)
async def preview_people(breach_id: UUID, scope: Scope = READ):
    return await messages.preview_people(scope=scope, breach_id=breach_id, now=utcnow())


@router.post(
    "/breaches/{breach_id}/controller-notice",
    response_model=BreachOut,
    summary="E-mail the notice to the controller and record it as informed, in one step",
)
async def send_controller_notice(
    breach_id: UUID,
    body: ControllerNoticeIn,
    scope: Scope = step("record_controller_informed"),
):
    return await _answer(
        await messages.send_controller_notice(
            scope=scope, breach_id=breach_id, data=body, now=utcnow()
        ),
        scope,
    )


@router.post("/breaches/{breach_id}/close", response_model=BreachOut)
async def close(breach_id: UUID, body: CloseIn, scope: Scope = step("close")):
    return await _answer(
        await service.close(scope=scope, breach_id=breach_id, data=body, now=utcnow()),
        scope,
    )


@router.get(
    "/organisations/{organisation_id}/breach-register",
    response_model=BreachRegister,
    summary="Breach register of a controller (art. 33(5))",
)
async def get_breach_register(organisation_id: UUID, scope: Scope = EXPORT):
    return await breach_register(scope=scope, organisation_id=organisation_id, now=utcnow())
