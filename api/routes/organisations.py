from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from api.deps import VERSION_QUERY, Paging, instance_admin, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register import records
from register.enums import OrganisationKind
from register.organisations import service
from register.organisations.schemas import (
    DpoIn,
    DpoOut,
    OrganisationIn,
    OrganisationOut,
)
from register.schemas_common import PageOut, patch_model

router = APIRouter(tags=["organisations"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
EXPORT = Depends(scope_for(Permission.EXPORT))
ADMIN = Depends(instance_admin)  # creating or deleting a body
OrganisationPatch = patch_model(OrganisationIn)
DpoPatch = patch_model(DpoIn)


@router.get("/organisations", response_model=PageOut[OrganisationOut])
async def list_organisations(
    kind: OrganisationKind | None = None,
    q: str | None = Query(default=None, description="Part of the legal name"),
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_organisations(
        scope=scope, limit=page.limit, offset=page.offset, kind=kind, q=q
    )


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
async def create_organisation(body: OrganisationIn, scope: Scope = ADMIN):
    return await service.create_organisation(scope=scope, data=body)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
async def get_organisation(organisation_id: UUID, scope: Scope = READ):
    org = await service.get_organisation(scope=scope, organisation_id=organisation_id)
    return service.organisation_out(org)


@router.patch("/organisations/{organisation_id}", response_model=OrganisationOut)
async def update_organisation(organisation_id: UUID, body: OrganisationPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_organisation(
        scope=scope, organisation_id=organisation_id, version=version, patch=patch
    )


@router.delete("/organisations/{organisation_id}", status_code=204)
async def delete_organisation(
    organisation_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = ADMIN
):
    await service.delete_organisation(scope=scope, organisation_id=organisation_id, version=version)
    return Response(status_code=204)


@router.get(
    "/organisations/{organisation_id}/records/controller",
    response_model=records.ControllerRecord,
    summary="Controller's record of processing activities (art. 30(1))",
)
async def controller_record(organisation_id: UUID, scope: Scope = EXPORT):
    return await records.controller_record(scope=scope, organisation_id=organisation_id)


@router.get(
    "/organisations/{organisation_id}/records/processor",
    response_model=records.ProcessorRecord,
    summary="Processor's record of processing activities (art. 30(2))",
)
async def processor_record(organisation_id: UUID, scope: Scope = EXPORT):
    return await records.processor_record(scope=scope, organisation_id=organisation_id)


@router.get("/dpos", response_model=PageOut[DpoOut], tags=["dpos"])
async def list_dpos(page: Paging = Depends(paging), scope: Scope = READ):
    return await service.list_dpos(scope=scope, limit=page.limit, offset=page.offset)


@router.post("/dpos", response_model=DpoOut, status_code=201, tags=["dpos"])
async def create_dpo(body: DpoIn, scope: Scope = EDIT):
    return await service.create_dpo(scope=scope, data=body)


@router.get("/dpos/{dpo_id}", response_model=DpoOut, tags=["dpos"])
async def get_dpo(dpo_id: UUID, scope: Scope = READ):
    return await service.dpo_out(await service.get_dpo(scope=scope, dpo_id=dpo_id))


@router.patch("/dpos/{dpo_id}", response_model=DpoOut, tags=["dpos"])
async def update_dpo(dpo_id: UUID, body: DpoPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_dpo(scope=scope, dpo_id=dpo_id, version=version, patch=patch)


@router.delete("/dpos/{dpo_id}", status_code=204, tags=["dpos"])
async def delete_dpo(dpo_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT):
    await service.delete_dpo(scope=scope, dpo_id=dpo_id, version=version)
    return Response(status_code=204)
