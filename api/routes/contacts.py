from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, Paging, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register.enums import ContactRole
from register.organisations import service
from register.organisations.schemas import ContactIn, ContactOut
from register.schemas_common import PageOut, patch_model

router = APIRouter(tags=["contacts"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
ContactPatch = patch_model(ContactIn)


@router.get("/contacts", response_model=PageOut[ContactOut])
async def list_contacts(
    organisation_id: UUID | None = None,
    role: ContactRole | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_contacts(
        scope=scope,
        limit=page.limit,
        offset=page.offset,
        organisation_id=organisation_id,
        role=role,
    )


@router.post("/contacts", response_model=ContactOut, status_code=201)
async def create_contact(body: ContactIn, scope: Scope = EDIT):
    return await service.create_contact(scope=scope, data=body)


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: UUID, scope: Scope = READ):
    return service.contact_out(await service.get_contact(scope=scope, contact_id=contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
async def update_contact(contact_id: UUID, body: ContactPatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_contact(
        scope=scope, contact_id=contact_id, version=version, patch=patch
    )


@router.delete("/contacts/{contact_id}", status_code=204)
async def delete_contact(
    contact_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_contact(scope=scope, contact_id=contact_id, version=version)
    return Response(status_code=204)
