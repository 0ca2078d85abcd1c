"""Conventions between bodies, their parties' roles and their clauses."""

from collections import defaultdict
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.audit.trail import record_created
from core.clock import today_local
from core.errors import Conflict, Forbidden, ValidationFailed
from core.french import plural
from core.paging import Page, paginate
from core.persistence import delete_versioned, get_scoped
from core.scope import Scope
from register.conventions import consent
from register.conventions.checks import convention_warnings
from register.conventions.clauses import flag_columns
from register.conventions.life import convention_life, ended_words
from register.conventions.models import (
    Convention,
    ConventionParty,
    ConventionProposal,
    ProposalAnswer,
)
from register.conventions.schemas import (
    AnswerOut,
    ChangeOut,
    ConventionIn,
    ConventionOut,
    PartyIn,
    ProposalOut,
)
from register.deletion import refuse_if_referenced
from register.enums import ConventionStatus, PartyAnswer, ProposalStatus, label
from register.organisations.models import Organisation
from register.schemas_common import merge_patch, to_columns

LABEL = "convention"


async def convention_outs(conventions: list[Convention]) -> list[ConventionOut]:
    """Conventions with their parties and pending proposal, in two queries whatever their
    number."""
    if not conventions:
        return []
    ids = [c.id for c in conventions]
    parties: dict[UUID, list[PartyIn]] = defaultdict(list)
    for party in await ConventionParty.filter(convention_id__in=ids).order_by("id"):
        parties[party.convention_id].append(
            PartyIn(organisation_id=party.organisation_id, role=party.role)
        )
    pending = await consent.pending_proposal_ids(ids)
    today = today_local()
    return [_out(c, parties[c.id], pending.get(c.id), today) for c in conventions]


def _out(
    convention: Convention, parties: list[PartyIn], pending_id: UUID | None, today: date
) -> ConventionOut:
    life = convention_life(convention, today)
    terms = life.terms
    data = {
        **{
            name: getattr(convention, name)
            for name in ConventionOut.model_fields
            if hasattr(convention, name) and name not in ("parties",)
        },
        "breach_lead_id": convention.breach_lead_id,
        "pending_proposal_id": pending_id,
        "parties": parties,
        "current_term_end": terms.current_term_end,
        "last_possible_end": terms.last_possible_end,
        "next_notice_deadline": terms.next_notice_deadline,
        "renewals_left": terms.renewals_left,
        "state": life.state,
        "renewal": life.renewal,
        "ended_on": life.ended_on,
        "ended_words": ended_words(life),
        "warnings": convention_warnings(breach_notice_hours=convention.breach_notice_hours),
    }
    return ConventionOut.model_validate(data)


async def convention_out(convention: Convention) -> ConventionOut:
    return (await convention_outs([convention]))[0]


def _visible(scope: Scope):
    return Convention.filter(**Convention.scope_filter(scope)).distinct()


async def list_conventions(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    organisation_id: UUID | None = None,
    role: str | None = None,
    kind: str | None = None,
) -> Page[ConventionOut]:
    query = _visible(scope)
    if organisation_id or role:
        party_filter: dict[str, Any] = {}
        if organisation_id:
            party_filter["organisation_id"] = organisation_id
        if role:
            party_filter["role"] = role
        ids = await ConventionParty.filter(**party_filter).values_list("convention_id", flat=True)
        query = query.filter(id__in=list(ids))
    if kind:
        query = query.filter(kind=kind)
    query = query.order_by("title", "id")
    return await paginate(query, limit=limit, offset=offset, shape=convention_outs)


async def get_convention(*, scope: Scope, convention_id: UUID) -> Convention:
    return await get_scoped(Convention, scope=scope, obj_id=convention_id, label=LABEL)


async def _check_parties(scope: Scope, data: ConventionIn) -> None:
    ids = [p.organisation_id for p in data.parties]
    # Scope first: a convention naming none of the caller's bodies answers the same whether
    # the bodies it names exist or not.
    if not scope.allows_any(ids):
        raise ValidationFailed.one(
            "body", "parties", msg="aucun des organismes parties ne relève de votre périmètre"
        )
    known = set(await Organisation.filter(id__in=ids).values_list("id", flat=True))
    for index, party in enumerate(data.parties):
        if party.organisation_id not in known:
            raise ValidationFailed.one(
                "body", "parties", index, "organisation_id", msg="organisme inconnu"
            )


async def create_convention(*, scope: Scope, data: ConventionIn) -> ConventionOut:
    """In force at once when the author may act for every party; otherwise a proposal that
    binds nobody until each other party accepted it (register.conventions.consent)."""
    await _check_parties(scope, data)
    in_force = consent.binds_all(scope, {p.organisation_id for p in data.parties})
    status = ConventionStatus.IN_FORCE if in_force else ConventionStatus.PROPOSED
    async with in_transaction():
        convention = await Convention.create(
            **to_columns(data, exclude={"parties"}), **flag_columns(data.clauses), status=status
        )
        await consent.write_parties(convention.id, data.parties)
        await record_created(Convention, convention.id)
        if not in_force:
            await consent.propose_convention(scope=scope, convention_id=convention.id)
    return await convention_out(convention)


def comparable(data: ConventionIn) -> dict[str, Any]:
    """The convention as JSON, parties in a fixed order: what a change proposal compares."""
    shape = data.model_dump(mode="json")
    shape["parties"] = sorted(shape["parties"], key=lambda p: p["organisation_id"])
    return shape


def _as_agreed(convention: Convention, parties: list[ConventionParty]) -> ConventionIn:
    """The text in force of a stored convention, in the shape its parties agree to."""
    fields = {n: getattr(convention, n) for n in ConventionIn.model_fields if n != "parties"}
    fields["breach_lead_id"] = convention.breach_lead_id
    fields["parties"] = [{"organisation_id": p.organisation_id, "role": p.role} for p in parties]
    # Read as stored: the rules on what is written apply to the text once changed.
    return ConventionIn.model_validate(fields, context={"stored": True})


async def update_convention(
    *, scope: Scope, convention_id: UUID, version: int, patch: dict[str, Any]
) -> tuple[ConventionOut, bool]:
    """The convention after the change, and whether it was only proposed: a change that
    a party outside the caller's scope must agree to leaves the version in force as it is."""
    convention = await get_convention(scope=scope, convention_id=convention_id)
    if convention.status != ConventionStatus.IN_FORCE:
        raise Conflict(
            "modification refusée : la convention n'est pas en vigueur "
            f"({label(convention.status).lower()}) ; retirez la proposition et faites-en une autre"
        )
    current = _as_agreed(
        convention, await ConventionParty.filter(convention_id=convention.id).order_by("id")
    )
    merged = merge_patch(ConventionIn, current, patch)
    await _check_parties(scope, merged)
    parties = {p.organisation_id for p in [*current.parties, *merged.parties]}
    if not consent.binds_all(scope, parties):
        await consent.propose_change(
            scope=scope,
            convention=convention,
            version=version,
            current=comparable(current),
            merged=comparable(merged),
        )
        return await convention_out(await Convention.get(id=convention.id)), True
    async with in_transaction():
        await consent.apply_in_force(convention_id=convention.id, version=version, data=merged)
    return await convention_out(await Convention.get(id=convention.id)), False


async def delete_convention(*, scope: Scope, convention_id: UUID, version: int | None) -> None:
    convention = await get_convention(scope=scope, convention_id=convention_id)
    parties = set(
        await ConventionParty.filter(convention_id=convention.id).values_list(
            "organisation_id", flat=True
        )
    )
    if convention.status == ConventionStatus.IN_FORCE and not consent.binds_all(scope, parties):
        # Another party's record relies on it: ending it is a change of its end date, which
        # that party must accept.
        raise Forbidden(
            "suppression refusée : cette convention en vigueur lie aussi des organismes pour "
            "lesquels vous n'agissez pas ; proposez plutôt d'y mettre fin (date de fin)"
        )
    # The link tables would cascade and silently drop the processors from activities'
    # records: a convention still in use must be unlinked first, knowingly.
    linked = await convention.activities.all().count()
    chained = await convention.subprocessor_engagements.all().count()
    if linked or chained:
        raise Conflict(
            f"suppression impossible : la convention fonde encore {plural(linked, 'activité')} de "
            "traitement et "
            f"{plural(chained, 'sous-traitance ultérieure', 'sous-traitances ultérieures')}"
        )
    await refuse_if_referenced(convention, scope=scope, label="la convention")
    await delete_versioned(
        Convention, obj=convention, expected_version=version, label="la convention"
    )


# Proposals ---------------------------------------------------------------------------------


async def proposals_out(proposals: list[ConventionProposal], *, scope: Scope) -> list[ProposalOut]:
    """Proposals as the API shows them, in a constant number of queries."""
    if not proposals:
        return []
    ids = [p.id for p in proposals]
    answers = await ProposalAnswer.filter(proposal_id__in=ids).order_by("id")
    convention_ids = list({p.convention_id for p in proposals})
    conventions = {c.id: c for c in await Convention.filter(id__in=convention_ids)}
    parties_of: dict[UUID, list[ConventionParty]] = {}
    for party in await ConventionParty.filter(convention_id__in=convention_ids).order_by("id"):
        parties_of.setdefault(party.convention_id, []).append(party)
    names = dict(
        await Organisation.filter(id__in=list({a.organisation_id for a in answers})).values_list(
            "id", "legal_name"
        )
    )
    by_proposal: dict[UUID, list[ProposalAnswer]] = {}
    for answer in answers:
        by_proposal.setdefault(answer.proposal_id, []).append(answer)
    out = []
    for proposal in proposals:
        convention = conventions[proposal.convention_id]
        mine = by_proposal.get(proposal.id, [])
        current = comparable(_as_agreed(convention, parties_of.get(convention.id, [])))
        out.append(_proposal_out(proposal, convention, current, mine, names, scope))
    return out


def _proposal_out(
    proposal: ConventionProposal,
    convention: Convention,
    current: dict[str, Any],
    answers: list[ProposalAnswer],
    names: dict[UUID, str],
    scope: Scope,
) -> ProposalOut:
    """One proposal, its parties' answers and its changes to the text in force (`current`)."""
    return ProposalOut(
        id=proposal.id,
        convention_id=convention.id,
        convention_title=(proposal.payload or {}).get("title") or convention.title,
        kind=proposal.kind,
        status=proposal.status,
        proposed_by=proposal.proposed_by,
        proposed_at=proposal.proposed_at,
        decided_at=proposal.decided_at,
        answers=[_answer_out(a, names) for a in answers],
        changes=[ChangeOut(**c) for c in consent.changes_of(proposal, current)],
        awaiting_you=_awaiting_you(proposal, answers, scope),
    )


def _answer_out(answer: ProposalAnswer, names: dict[UUID, str]) -> AnswerOut:
    return AnswerOut(
        organisation_id=answer.organisation_id,
        organisation_name=names.get(answer.organisation_id, ""),
        answer=answer.answer,
        answered_by=answer.answered_by,
        answered_at=answer.answered_at,
        comment=answer.comment,
    )


def _awaiting_you(
    proposal: ConventionProposal, answers: list[ProposalAnswer], scope: Scope
) -> list[UUID]:
    """The caller's bodies whose answer the proposal still awaits (none once decided)."""
    if proposal.status != ProposalStatus.PENDING:
        return []
    return [
        a.organisation_id
        for a in answers
        if a.answer == PartyAnswer.PENDING and scope.allows(a.organisation_id)
    ]
