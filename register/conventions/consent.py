"""A convention binds a body only once that body agreed.

Creating a convention that names bodies outside the author's scope, or changing one in force
that such a body is party to, makes a *proposal*. Each party the author may not act for
answers through its DPO or administrator; until every party accepted, a new convention gives
nobody a role (status `proposed`) and a change leaves the accepted version in force. One
refusal ends the proposal. Each step is journaled in the chain of every party concerned.

Who may act for every party (an instance administrator loading signed conventions, a DPO of
all the bodies) writes the convention in force at once.
"""

from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.actor import current_actor
from core.audit.trail import journaled, record_event
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.persistence import update_versioned
from core.scope import Scope
from register.conventions.clauses import flag_columns
from register.conventions.models import (
    Convention,
    ConventionParty,
    ConventionProposal,
    ProposalAnswer,
)
from register.conventions.schemas import ConventionIn, PartyIn
from register.enums import (
    ConventionStatus,
    PartyAnswer,
    ProposalKind,
    ProposalStatus,
)
from register.schemas_common import to_columns

PROPOSAL = "proposition de convention"
# What a change proposal compares: every field a party agreed to.
COMPARED = tuple(name for name in ConventionIn.model_fields)


def binds_all(scope: Scope, org_ids: set[UUID]) -> bool:
    """Whether the author may act for every party: then nobody else has to agree."""
    return all(scope.allows(org_id) for org_id in org_ids)


async def _journal(
    proposal: ConventionProposal, parties: set[UUID], *, action: str, after: dict
) -> None:
    await record_event(
        parties,
        action=action,
        entity_type="convention",
        entity_id=proposal.convention_id,
        before=None,
        after={"proposal_id": str(proposal.id), "kind": proposal.kind.value, **after},
    )


async def _open(
    *,
    scope: Scope,
    convention_id: UUID,
    kind: ProposalKind,
    parties: set[UUID],
    payload: dict | None,
    base_version: int,
) -> ConventionProposal:
    """A pending proposal: the author's own bodies accept by making it, the others wait."""
    now = utcnow()
    proposal = await ConventionProposal.create(
        convention_id=convention_id,
        kind=kind,
        status=ProposalStatus.PENDING,
        payload=payload,
        base_version=base_version,
        proposed_by=current_actor(),
        proposed_at=now,
    )
    actor = current_actor()
    await ProposalAnswer.bulk_create(
        [
            ProposalAnswer(
                proposal_id=proposal.id,
                organisation_id=org_id,
                answer=PartyAnswer.ACCEPTED if scope.allows(org_id) else PartyAnswer.PENDING,
                answered_by=actor if scope.allows(org_id) else None,
                answered_at=now if scope.allows(org_id) else None,
            )
            for org_id in sorted(parties, key=str)
        ]
    )
    waiting = sorted(str(o) for o in parties if not scope.allows(o))
    await _journal(proposal, parties, action="convention.propose", after={"awaiting": waiting})
    return proposal


async def propose_convention(*, scope: Scope, convention_id: UUID) -> ConventionProposal:
    """The just-written convention `convention_id` (status `proposed`) put to its parties."""
    parties = set(
        await ConventionParty.filter(convention_id=convention_id).values_list(
            "organisation_id", flat=True
        )
    )
    return await _open(
        scope=scope,
        convention_id=convention_id,
        kind=ProposalKind.CREATION,
        parties=parties,
        payload=None,
        base_version=1,
    )


async def pending_proposal(convention_id: UUID) -> ConventionProposal | None:
    return await ConventionProposal.filter(
        convention_id=convention_id, status=ProposalStatus.PENDING
    ).first()


async def pending_proposal_ids(convention_ids: list[UUID]) -> dict[UUID, UUID]:
    """The pending proposal of each of these conventions that has one, in one query (the
    newest, as `pending_proposal` would answer, should there ever be two)."""
    rows = (
        await ConventionProposal.filter(
            convention_id__in=convention_ids, status=ProposalStatus.PENDING
        )
        .order_by("-proposed_at")
        .values_list("convention_id", "id")
    )
    found: dict[UUID, UUID] = {}
    for convention_id, proposal_id in rows:
        found.setdefault(convention_id, proposal_id)
    return found


async def propose_change(
    *, scope: Scope, convention: Convention, version: int, current: dict, merged: dict
) -> ConventionProposal:
    """A change to a convention in force that another party must agree to; the accepted
    version stays in force meanwhile. `current` and `merged` are the convention as JSON
    (register.conventions.service.comparable)."""
    if convention.version != version:
        raise Conflict(
            f"modification refusée : la convention a été modifiée entre-temps (version "
            f"envoyée {version}, version actuelle {convention.version}) ; relisez-la"
        )
    if await pending_proposal(convention.id):
        raise Conflict(
            "modification refusée : une proposition sur cette convention attend encore les "
            "réponses des parties ; retirez-la ou attendez qu'elle soit tranchée"
        )
    if merged == current:
        raise ValidationFailed.one("body", msg="la proposition ne change rien à la convention")
    parties = {UUID(p["organisation_id"]) for p in [*current["parties"], *merged["parties"]]}
    async with in_transaction():
        return await _open(
            scope=scope,
            convention_id=convention.id,
            kind=ProposalKind.CHANGE,
            parties=parties,
            payload=merged,
            base_version=version,
        )


# Answers -----------------------------------------------------------------------------------


def _visible(scope: Scope):
    query = ConventionProposal.all()
    if not scope.is_unrestricted:
        query = query.filter(answers__organisation_id__in=list(scope.org_ids or ())).distinct()
    return query


async def get_proposal(*, scope: Scope, proposal_id: UUID) -> ConventionProposal:
    """A proposal one of the caller's bodies is party to; any other answers as absent."""
    proposal = await _visible(scope).filter(id=proposal_id).first()
    if proposal is None:
        raise NotFound(PROPOSAL, proposal_id)
    return proposal


async def list_proposals(
    *, scope: Scope, convention_id: UUID | None = None, awaiting: bool = False
) -> list[ConventionProposal]:
    """Proposals the caller's bodies are party to, newest first; `awaiting`: only those
    still waiting for an answer from one of the caller's bodies."""
    query = _visible(scope)
    if convention_id:
        query = query.filter(convention_id=convention_id)
    if awaiting:
        pending = ProposalAnswer.filter(answer=PartyAnswer.PENDING)
        if not scope.is_unrestricted:
            pending = pending.filter(organisation_id__in=list(scope.org_ids or ()))
        ids = await pending.values_list("proposal_id", flat=True)
        query = query.filter(status=ProposalStatus.PENDING, id__in=list(set(ids)))
    return await query.order_by("-proposed_at", "id")


def _answering(scope: Scope, answers: list[ProposalAnswer], organisation_id: UUID | None):
    """The pending answers the caller gives: for one body named, or every body they act for."""
    mine = [
        a for a in answers if a.answer == PartyAnswer.PENDING and scope.allows(a.organisation_id)
    ]
    if organisation_id is not None:
        mine = [a for a in mine if a.organisation_id == organisation_id]
    if not mine:
        raise ValidationFailed.one(
            "body",
            "organisation_id",
            msg="aucun organisme pour lequel vous agissez n'attend de répondre à cette proposition",
        )
    return mine


async def answer_proposal(
    *,
    scope: Scope,
    proposal_id: UUID,
    accept: bool,
    organisation_id: UUID | None = None,
    comment: str | None = None,
) -> ConventionProposal:
    """Accept or refuse on behalf of the caller's bodies. The last acceptance puts the
    convention (or the change) in force; one refusal ends the proposal."""
    proposal = await get_proposal(scope=scope, proposal_id=proposal_id)
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(f"cette proposition n'attend plus de réponse ({_status_word(proposal)})")
    if not accept and not (comment or "").strip():
        raise ValidationFailed.one("body", "comment", msg="dites pourquoi vous refusez")
    async with in_transaction():
        proposal = await ConventionProposal.select_for_update().get(id=proposal.id)
        if proposal.status != ProposalStatus.PENDING:
            raise Conflict(f"cette proposition n'attend plus de réponse ({_status_word(proposal)})")
        answers = await ProposalAnswer.filter(proposal_id=proposal.id)
        parties = {a.organisation_id for a in answers}
        now, actor = utcnow(), current_actor()
        given = _answering(scope, answers, organisation_id)
        for answer in given:
            answer.answer = PartyAnswer.ACCEPTED if accept else PartyAnswer.REFUSED
            answer.answered_by, answer.answered_at, answer.comment = actor, now, comment
            await answer.save(update_fields=["answer", "answered_by", "answered_at", "comment"])
        await _journal(
            proposal,
            parties,
            action="convention.accept" if accept else "convention.refuse",
            after={
                "organisations": sorted(str(a.organisation_id) for a in given),
                "comment": comment,
            },
        )
        if not accept:
            await _close(proposal, ProposalStatus.REFUSED, parties)
        elif all(a.answer == PartyAnswer.ACCEPTED for a in answers):
            await _put_in_force(proposal, parties)
    return proposal


async def withdraw_proposal(*, scope: Scope, proposal_id: UUID) -> ConventionProposal:
    """The author's side takes its proposal back: nothing of it ever bound anybody."""
    proposal = await get_proposal(scope=scope, proposal_id=proposal_id)
    answers = await ProposalAnswer.filter(proposal_id=proposal.id)
    proposer_side = [
        a for a in answers if scope.allows(a.organisation_id) and a.answer == PartyAnswer.ACCEPTED
    ]
    if not proposer_side:
        raise ValidationFailed.one(
            "body", msg="seule une partie qui a fait ou accepté la proposition peut la retirer"
        )
    async with in_transaction():
        proposal = await ConventionProposal.select_for_update().get(id=proposal.id)
        if proposal.status != ProposalStatus.PENDING:
            raise Conflict(f"cette proposition n'attend plus de réponse ({_status_word(proposal)})")
        parties = {a.organisation_id for a in answers}
        await _journal(proposal, parties, action="convention.withdraw", after={})
        await _close(proposal, ProposalStatus.WITHDRAWN, parties)
    return proposal


async def _close(proposal: ConventionProposal, status: ProposalStatus, parties: set[UUID]):
    proposal.status, proposal.decided_at = status, utcnow()
    await proposal.save(update_fields=["status", "decided_at"])
    if proposal.kind == ProposalKind.CREATION:
        ended = (
            ConventionStatus.REFUSED
            if status == ProposalStatus.REFUSED
            else ConventionStatus.WITHDRAWN
        )
        await _set_status(proposal.convention_id, ended)


async def _set_status(convention_id: UUID, status: ConventionStatus) -> None:
    async with journaled(Convention, convention_id, action="update"):
        await Convention.filter(id=convention_id).update(status=status, updated_at=utcnow())


async def _put_in_force(proposal: ConventionProposal, parties: set[UUID]) -> None:
    proposal.status, proposal.decided_at = ProposalStatus.ACCEPTED, utcnow()
    await proposal.save(update_fields=["status", "decided_at"])
    if proposal.kind == ProposalKind.CREATION:
        await _set_status(proposal.convention_id, ConventionStatus.IN_FORCE)
        return
    convention = await Convention.get(id=proposal.convention_id)
    if convention.version != proposal.base_version:
        # Changed since (by someone acting for every party): the parties agreed to a text
        # that no longer applies to the convention as it stands.
        proposal.status = ProposalStatus.SUPERSEDED
        await proposal.save(update_fields=["status"])
        return
    merged = ConventionIn.model_validate(proposal.payload)
    await apply_in_force(convention_id=convention.id, version=convention.version, data=merged)


async def apply_in_force(*, convention_id: UUID, version: int, data: ConventionIn) -> None:
    """Write an agreed text over the convention in force, parties included, journaled once."""
    async with journaled(Convention, convention_id, action="update"):
        await update_versioned(
            Convention,
            obj_id=convention_id,
            expected_version=version,
            values=to_columns(data, exclude={"parties"}) | flag_columns(data.clauses),
        )
        await write_parties(convention_id, data.parties)


async def write_parties(convention_id: UUID, parties: list[PartyIn]) -> None:
    await ConventionParty.filter(convention_id=convention_id).delete()
    await ConventionParty.bulk_create(
        [
            ConventionParty(
                convention_id=convention_id, organisation_id=p.organisation_id, role=p.role
            )
            for p in parties
        ]
    )


def _status_word(proposal: ConventionProposal) -> str:
    from register.enums import label

    return label(proposal.status).lower()


def changes_of(proposal: ConventionProposal, current: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a change proposal would change, with the values in force and proposed."""
    if proposal.payload is None:
        return []
    return [
        {"field": name, "in_force": current.get(name), "proposed": proposal.payload.get(name)}
        for name in COMPARED
        if current.get(name) != proposal.payload.get(name)
    ]
