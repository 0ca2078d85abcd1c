from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, Paging, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.clock import utcnow
from core.scope import Scope
from register.schemas_common import PageOut, patch_model
from register.subprocessors import answers, service
from register.subprocessors.schemas import AnswerIn, AnswerOut, EngagementIn, EngagementOut

router = APIRouter(tags=["subprocessors"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
EngagementPatch = patch_model(EngagementIn)


@router.get("/subprocessors", response_model=PageOut[EngagementOut])
async def list_subprocessors(
    processor_id: UUID | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_engagements(
        scope=scope, limit=page.limit, offset=page.offset, processor_id=processor_id
    )


@router.post("/subprocessors", response_model=EngagementOut, status_code=201)
async def create_subprocessor(body: EngagementIn, scope: Scope = EDIT):
    return await service.create_engagement(scope=scope, data=body, now=utcnow())


@router.get("/subprocessors/{engagement_id}", response_model=EngagementOut)
async def get_subprocessor(engagement_id: UUID, scope: Scope = READ):
    """Readable by its processor and by the controllers it serves, each with its state."""
    return await service.engagement_out(
        await service.read_engagement(scope=scope, engagement_id=engagement_id), scope
    )


@router.get("/subprocessors/{engagement_id}/answers", response_model=list[AnswerOut])
async def list_subprocessor_answers(engagement_id: UUID, scope: Scope = READ):
    engagement = await service.read_engagement(scope=scope, engagement_id=engagement_id)
    return await answers.list_answers(scope=scope, engagement=engagement, now=utcnow())


@router.post("/subprocessors/{engagement_id}/answers", response_model=AnswerOut, status_code=201)
async def answer_subprocessor(engagement_id: UUID, body: AnswerIn, scope: Scope = EDIT):
    """A controller's answer (art. 28(2)): authorise, accept (no objection) or object. Only
    the controller's DPO or administrator gives it; the processor cannot answer for it."""
    engagement = await service.read_engagement(scope=scope, engagement_id=engagement_id)
    return await answers.record_answer(scope=scope, engagement=engagement, data=body, now=utcnow())


@router.patch("/subprocessors/{engagement_id}", response_model=EngagementOut)
async def update_subprocessor(engagement_id: UUID, body: EngagementPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_engagement(
        scope=scope, engagement_id=engagement_id, version=version, patch=patch, now=utcnow()
    )


@router.delete("/subprocessors/{engagement_id}", status_code=204)
async def delete_subprocessor(
    engagement_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_engagement(scope=scope, engagement_id=engagement_id, version=version)
    return Response(status_code=204)
