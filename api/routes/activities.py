from datetime import date
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from api.deps import VERSION_QUERY, CursorPaging, cursor_paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register.activities import service
from register.activities.schemas import ActivityIn, ActivityOut, ActivityPageOut
from register.activities.service import ActivityFilters
from register.enums import ActivityStatus, DataCategory, LegalBasis, SubjectCategory
from register.schemas_common import patch_model

router = APIRouter(tags=["activities"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
ActivityPatch = patch_model(ActivityIn)


@router.get("/activities", response_model=ActivityPageOut)
async def list_activities(
    controller_id: UUID | None = None,
    status: ActivityStatus | None = None,
    legal_basis: LegalBasis | None = None,
    convention_id: UUID | None = None,
    data_category: DataCategory | None = None,
    subject_category: SubjectCategory | None = None,
    has_sensitive_data: bool | None = None,
    review_due_before: date | None = None,
    q: str | None = Query(
        default=None,
        max_length=200,
        description="Words to find in name, ref, purposes, software (accents and case ignored)",
    ),
    page: CursorPaging = Depends(cursor_paging),
    scope: Scope = READ,
):
    filters = ActivityFilters(
        controller_id=controller_id,
        status=status,
        legal_basis=legal_basis,
        convention_id=convention_id,
        data_category=data_category,
        subject_category=subject_category,
        has_sensitive_data=has_sensitive_data,
        review_due_before=review_due_before,
        q=q,
    )
    return await service.list_activities(
        scope=scope, filters=filters, limit=page.limit, offset=page.offset, cursor=page.cursor
    )


@router.post("/activities", response_model=ActivityOut, status_code=201)
async def create_activity(body: ActivityIn, scope: Scope = EDIT):
    return await service.create_activity(scope=scope, data=body)


@router.get("/activities/{activity_id}", response_model=ActivityOut)
async def get_activity(activity_id: UUID, scope: Scope = READ):
    return await service.activity_out(
        await service.read_activity(scope=scope, activity_id=activity_id)
    )


@router.patch("/activities/{activity_id}", response_model=ActivityOut)
async def update_activity(activity_id: UUID, body: ActivityPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_activity(
        scope=scope, activity_id=activity_id, version=version, patch=patch
    )


@router.delete("/activities/{activity_id}", status_code=204)
async def delete_activity(
    activity_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_activity(scope=scope, activity_id=activity_id, version=version)
    return Response(status_code=204)
