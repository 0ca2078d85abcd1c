from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, Paging, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register.enums import CnilGuideSheet, MeasureStatus, catalogue
from register.measures import service
from register.measures.schemas import MeasureIn, MeasureOut
from register.schemas_common import PageOut, patch_model

router = APIRouter(tags=["measures"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
MeasurePatch = patch_model(MeasureIn)


@router.get(
    "/catalogue",
    tags=["catalogue"],
    summary="Every closed list of the register with its French labels",
)
async def get_catalogue() -> dict[str, list[dict[str, str]]]:
    return catalogue()


@router.get("/measures", response_model=PageOut[MeasureOut])
async def list_measures(
    organisation_id: UUID | None = None,
    status: MeasureStatus | None = None,
    cnil_sheet: CnilGuideSheet | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    return await service.list_measures(
        scope=scope,
        limit=page.limit,
        offset=page.offset,
        organisation_id=organisation_id,
        status=status,
        cnil_sheet=cnil_sheet,
    )


@router.post("/measures", response_model=MeasureOut, status_code=201)
async def create_measure(body: MeasureIn, scope: Scope = EDIT):
    return await service.create_measure(scope=scope, data=body)


@router.get("/measures/{measure_id}", response_model=MeasureOut)
async def get_measure(measure_id: UUID, scope: Scope = READ):
    return await service.measure_out(await service.get_measure(scope=scope, measure_id=measure_id))


@router.patch("/measures/{measure_id}", response_model=MeasureOut)
async def update_measure(measure_id: UUID, body: MeasurePatch, scope: Scope = EDIT):
    version, patch = split_patch(body)
    return await service.update_measure(
        scope=scope, measure_id=measure_id, version=version, patch=patch
    )


@router.delete("/measures/{measure_id}", status_code=204)
async def delete_measure(
    measure_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_measure(scope=scope, measure_id=measure_id, version=version)
    return Response(status_code=204)
