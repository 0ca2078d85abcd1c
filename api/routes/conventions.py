from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.deps import VERSION_QUERY, Paging, paging, scope_for, split_patch
from core.accounts.roles import Permission
from core.scope import Scope
from register.conventions import consent, service
from register.conventions.schemas import AnswerIn, ConventionIn, ConventionOut, ProposalOut
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


@router.post(
    "/conventions",
    response_model=ConventionOut,
    status_code=201,
    description="In force at once when you act for every party; otherwise a proposal "
    "(status `proposed`) that binds nobody until each other party accepted it.",
)
async def create_convention(body: ConventionIn, scope: Scope = EDIT):
    return await service.create_convention(scope=scope, data=body)


@router.get("/conventions/{convention_id}", response_model=ConventionOut)
async def get_convention(convention_id: UUID, scope: Scope = READ):
    return await service.convention_out(
        await service.get_convention(scope=scope, convention_id=convention_id)
    )


@router.patch(
    "/conventions/{convention_id}",
    response_model=ConventionOut,
    responses={202: {"description": "Proposed to the other parties; the version in force stays"}},
)
async def update_convention(
    convention_id: UUID, body: ConventionPatch, response: Response, scope: Scope = EDIT
):
    version, patch = split_patch(body)
    convention, proposed = await service.update_convention(
        scope=scope, convention_id=convention_id, version=version, patch=patch
    )
    if proposed:
        response.status_code = 202
    return convention


@router.delete("/conventions/{convention_id}", status_code=204)
async def delete_convention(
    convention_id: UUID, version: int | None = VERSION_QUERY, scope: Scope = EDIT
):
    await service.delete_convention(scope=scope, convention_id=convention_id, version=version)
    return Response(status_code=204)


# Proposals: a convention, or a change to one, that another party must accept.


@router.get("/convention-proposals", response_model=list[ProposalOut])
async def list_proposals(
    convention_id: UUID | None = None, awaiting: bool = False, scope: Scope = READ
):
    """Proposals your bodies are party to; `awaiting=true`: those waiting for your answer."""
    rows = await consent.list_proposals(scope=scope, convention_id=convention_id, awaiting=awaiting)
    return await service.proposals_out(rows, scope=scope)


@router.get("/convention-proposals/{proposal_id}", response_model=ProposalOut)
async def get_proposal(proposal_id: UUID, scope: Scope = READ):
    proposal = await consent.get_proposal(scope=scope, proposal_id=proposal_id)
    return (await service.proposals_out([proposal], scope=scope))[0]


async def _answered(proposal_id: UUID, body: AnswerIn, scope: Scope, *, accept: bool):
    proposal = await consent.answer_proposal(
        scope=scope,
        proposal_id=proposal_id,
        accept=accept,
        organisation_id=body.organisation_id,
        comment=body.comment,
    )
    return (await service.proposals_out([proposal], scope=scope))[0]


@router.post("/convention-proposals/{proposal_id}/accept", response_model=ProposalOut)
async def accept_proposal(proposal_id: UUID, body: AnswerIn, scope: Scope = EDIT):
    """Accept for your bodies; the last acceptance puts the convention or change in force."""
    return await _answered(proposal_id, body, scope, accept=True)


@router.post("/convention-proposals/{proposal_id}/refuse", response_model=ProposalOut)
async def refuse_proposal(proposal_id: UUID, body: AnswerIn, scope: Scope = EDIT):
    """Refuse for your bodies (a comment says why): the proposal ends, nothing binds."""
    return await _answered(proposal_id, body, scope, accept=False)


@router.post("/convention-proposals/{proposal_id}/withdraw", response_model=ProposalOut)
async def withdraw_proposal(proposal_id: UUID, scope: Scope = EDIT):
    proposal = await consent.withdraw_proposal(scope=scope, proposal_id=proposal_id)
    return (await service.proposals_out([proposal], scope=scope))[0]
