"""The art. 28(3) checklist of a convention (register.conventions.checklist): read by a party,
changed by a party's DPO or administrator like the rest of the agreed text (202 when proposed
to the parties the caller does not act for)."""

from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import scope_for
from core.accounts.roles import Permission
from core.scope import Scope
from register.conventions import checklist
from register.conventions.checklist import ChecklistOut, ChecklistPatch

router = APIRouter(tags=["conventions"])
READ = Depends(scope_for(Permission.READ_REGISTER))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))


@router.get("/conventions/{convention_id}/clauses", response_model=ChecklistOut)
async def get_clauses(convention_id: UUID, scope: Scope = READ):
    """Each art. 28(3) clause: present, absent, not applicable or not checked, with the
    convention's article; and the art. 28(10) warnings."""
    return await checklist.get_checklist(scope=scope, convention_id=convention_id)


@router.patch(
    "/conventions/{convention_id}/clauses",
    response_model=ChecklistOut,
    responses={202: {"description": "Proposed to the other parties; the version in force stays"}},
)
async def update_clauses(
    convention_id: UUID, body: ChecklistPatch, response: Response, scope: Scope = EDIT
):
    """Change some clauses (the others stay); refused (422) where no party is a processor."""
    out, proposed = await checklist.update_checklist(
        scope=scope, convention_id=convention_id, version=body.version, clauses=body.clauses
    )
    if proposed:
        response.status_code = 202
    return out
