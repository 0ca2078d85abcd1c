"""A convention's end of service (art. 28(3)(g)): the steps per controller, with their due
day and status, and recording or withdrawing one (register.conventions.end_of_service)."""

from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, scope_for
from core.accounts.roles import Permission
from core.clock import today_local
from core.scope import Scope
from register.conventions import end_of_service_records as records
from register.conventions.end_of_service_schemas import EndOfServiceOut, StepIn, StepOut
from register.end_of_service_proofs import destruction_proofs

router = APIRouter(tags=["conventions"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))


@router.get("/conventions/{convention_id}/end-of-service", response_model=EndOfServiceOut)
async def get_end_of_service(convention_id: UUID, scope: Scope = READ):
    """Each controller's steps: expected by the convention or done, due on the convention's
    last day plus its delay (`end_of_service_days`), overdue while not done."""
    return await records.end_of_service_of(
        scope=scope, convention_id=convention_id, today=today_local()
    )


@router.post(
    "/conventions/{convention_id}/end-of-service",
    response_model=StepOut,
    status_code=201,
    description="Record a step done: by the controller's or the processor's DPO or "
    "administrator (the archives outcome: the controller's only). Journaled in both chains; "
    "the reminders of the steps done stop.",
)
async def record_step(convention_id: UUID, body: StepIn, scope: Scope = EDIT):
    return await records.record_step(
        scope=scope,
        convention_id=convention_id,
        data=body,
        today=today_local(),
        proofs=destruction_proofs,
    )


@router.delete("/conventions/{convention_id}/end-of-service/{record_id}", status_code=204)
async def withdraw_step(
    convention_id: UUID, record_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    """Withdraw a step recorded by mistake (refused while a later step relies on it)."""
    await records.withdraw_step(
        scope=scope, convention_id=convention_id, record_id=record_id, version=version
    )
    return Response(status_code=204)
