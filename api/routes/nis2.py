"""NIS2 beside the GDPR: an incident's significance, its NIS2 clocks, the reports' drafts and
their sending recorded (breach.nis2, breach.nis2_service, breach.nis2_draft)."""

from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import scope_for
from breach import nis2_service as service
from breach.nis2_draft import Nis2DraftOut, nis2_draft
from breach.nis2_models import Nis2Phase
from breach.nis2_schemas import (
    Nis2AwarenessIn,
    Nis2DeadlineOut,
    Nis2DecisionIn,
    Nis2FactsPatchIn,
    Nis2IntermediateIn,
    Nis2Out,
    Nis2SendingIn,
)
from core.accounts.roles import Permission
from core.clock import utcnow
from core.scope import Scope

router = APIRouter(tags=["nis2"])
READ = Depends(scope_for(Permission.READ_BREACHES))
UPDATE = Depends(scope_for(Permission.UPDATE_INCIDENT))


@router.get(
    "/incidents/{incident_id}/nis2",
    response_model=Nis2Out,
    summary="The incident's NIS2 record: significance, awareness, clocks, reports",
)
async def get_nis2(incident_id: UUID, scope: Scope = READ):
    return await service.nis2_of(scope=scope, incident_id=incident_id, now=utcnow())


@router.post(
    "/incidents/{incident_id}/nis2/decision",
    response_model=Nis2Out,
    summary="Decide, with reasons, whether the incident is significant (NIS2 art. 23(3))",
)
async def decide(incident_id: UUID, body: Nis2DecisionIn, scope: Scope = UPDATE):
    return await service.decide(scope=scope, incident_id=incident_id, data=body, now=utcnow())


@router.post(
    "/incidents/{incident_id}/nis2/awareness",
    response_model=Nis2Out,
    summary="Move the awareness of the significant incident, with reasons (first one kept)",
)
async def move_awareness(incident_id: UUID, body: Nis2AwarenessIn, scope: Scope = UPDATE):
    return await service.move_awareness(
        scope=scope, incident_id=incident_id, data=body, now=utcnow()
    )


@router.patch(
    "/incidents/{incident_id}/nis2",
    response_model=Nis2Out,
    summary="Complete the facts the thresholds and the reports read",
)
async def update_facts(incident_id: UUID, body: Nis2FactsPatchIn, scope: Scope = UPDATE):
    fields = set(body.model_fields_set) - {"version"}
    return await service.update_facts(
        scope=scope, incident_id=incident_id, data=body, fields=fields, now=utcnow()
    )


@router.post(
    "/incidents/{incident_id}/nis2/sendings",
    response_model=Nis2Out,
    summary="Record a report as sent to the CSIRT: its clock stops",
)
async def record_sending(incident_id: UUID, body: Nis2SendingIn, scope: Scope = UPDATE):
    return await service.record_sending(
        scope=scope, incident_id=incident_id, data=body, now=utcnow()
    )


@router.post(
    "/incidents/{incident_id}/nis2/intermediate-request",
    response_model=Nis2Out,
    summary="Record the CSIRT's request for an intermediate report, and its due date",
)
async def request_intermediate(incident_id: UUID, body: Nis2IntermediateIn, scope: Scope = UPDATE):
    return await service.request_intermediate(
        scope=scope, incident_id=incident_id, data=body, now=utcnow()
    )


@router.get(
    "/incidents/{incident_id}/nis2/draft",
    response_model=Nis2DraftOut,
    summary="The French draft of a report to the CSIRT (ANSSI), composed from the facts",
)
async def draft(
    incident_id: UUID,
    phase: Nis2Phase = Query(default=Nis2Phase.EARLY_WARNING),
    scope: Scope = READ,
):
    return await nis2_draft(scope=scope, incident_id=incident_id, phase=phase, now=utcnow())


@router.get(
    "/nis2/deadlines",
    response_model=list[Nis2DeadlineOut],
    summary="Every NIS2 clock running in the caller's bodies, soonest first",
)
async def deadlines(scope: Scope = READ):
    return await service.running(scope=scope, now=utcnow())
