from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, Paging, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register.conventions import service
from register.conventions.schemas import ConventionIn, ConventionOut
from register.enums import ConventionKind, PartyRole
from register.schemas_common import PageOut, patch_model

router = APIRouter(tags=["conventions"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
ConventionPatch = patch_model(ConventionIn)


@router.get("/conventions", response_model=PageOut[ConventionOut])
async def list_conventions(
    organisation_id: UUID | None = None,
    role: PartyRole | None = None,
    kind: ConventionKind | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_conventions(
        scope=scope,
        limit=page.limit,
        offset=page.offset,
        organisation_id=organisation_id,
        role=role,
        kind=kind,
    )


@router.post("/conventions", response_model=ConventionOut, status_code=201)
async def create_convention(body: ConventionIn, scope: Scope = EDIT):
    return await service.create_convention(scope=scope, data=body)


@router.get("/conventions/{convention_id}", response_model=ConventionOut)
async def get_convention(convention_id: UUID, scope: Scope = READ):
    return await service.convention_out(
        await service.get_convention(scope=scope, convention_id=convention_id)
    )


@router.patch("/conventions/{convention_id}", response_model=ConventionOut)
async def update_convention(convention_id: UUID, body: ConventionPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_convention(
        scope=scope, convention_id=convention_id, version=version, patch=patch
    )


@router.delete("/conventions/{convention_id}", status_code=204)
async def delete_convention(
    convention_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_convention(scope=scope, convention_id=convention_id, version=version)
    return Response(status_code=204)
